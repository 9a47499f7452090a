// The stage's front layer (messages in flight, countdown rings, the clock), drawn off the main
// thread. The page first sends the OffscreenCanvas it handed over, then one buffer of numbers
// per frame (see `Recorder` in front.rs); this worker replays them. Without a GPU, a canvas that
// changes every frame costs the thread that draws it several milliseconds per frame, so the
// page's own thread stays free for the simulation and the controls.
let canvas = null;
let ctx = null;
const palette = [];

onmessage = ({ data }) => {
  if (data instanceof ArrayBuffer) {
    if (ctx) play(new Float64Array(data));
  } else {
    canvas = data;
    ctx = canvas.getContext('2d');
  }
};

function play(ops) {
  let i = 0;
  // A string: its length, then its UTF-16 code units.
  const string = () => {
    const n = ops[i++];
    const s = String.fromCharCode.apply(null, ops.subarray(i, i + n));
    i += n;
    return s;
  };
  while (i < ops.length) {
    switch (ops[i++]) {
      case 0: { // SIZE px_w px_h scale css_w css_h: fit the canvas, then clear it
        const [w, h, s, cw, ch] = ops.subarray(i, i + 5);
        i += 5;
        if (canvas.width !== w || canvas.height !== h) {
          canvas.width = w;
          canvas.height = h;
        }
        ctx.setTransform(s, 0, 0, s, 0, 0);
        ctx.clearRect(0, 0, cw, ch);
        break;
      }
      case 1: ctx.strokeStyle = palette[ops[i++]]; break;
      case 2: ctx.fillStyle = palette[ops[i++]]; break;
      case 3: ctx.lineWidth = ops[i++]; break;
      case 4: ctx.globalAlpha = ops[i++]; break;
      case 5: ctx.beginPath(); break;
      case 6: ctx.moveTo(ops[i++], ops[i++]); break;
      case 7: ctx.lineTo(ops[i++], ops[i++]); break;
      case 8: ctx.arc(ops[i++], ops[i++], ops[i++], ops[i++], ops[i++]); break;
      case 9: ctx.stroke(); break;
      case 10: ctx.fill(); break;
      case 11: { // TEXT x y right font text
        const [x, y, right] = [ops[i++], ops[i++], ops[i++]];
        ctx.font = string();
        ctx.textAlign = right ? 'right' : 'start';
        ctx.fillText(string(), x, y);
        ctx.textAlign = 'start';
        break;
      }
      case 12: { // PALETTE index colour
        const index = ops[i++];
        palette[index] = string();
        break;
      }
      default: return; // unknown op: stop rather than misread the rest
    }
  }
}

// The stage's two layers. The front one: messages in flight, countdown rings and the clock. The
// app sends a scene a few times a second (see `Scene` in scene.rs): where each message flies
// from and to, and when it was sent and lands; each ring's node and its timer; the virtual time
// `now`. This draws it every animation frame, moving the virtual time it shows smoothly from
// the previous scene's `now` to the newest one's over the time between them, so the page's
// thread only runs the simulation a few times a second while the picture moves at the
// display's rate. The back one (links, nodes and their lines) comes at the end of a scene, as
// canvas calls, when it changed; it is drawn when the scene arrives. This runs in a worker on
// OffscreenCanvases, or on the page where a canvas cannot be handed over.
// `stage(canvas, back)` returns the function that takes each scene (an ArrayBuffer of numbers).
// `sheet(canvas)` does the same for a canvas drawn whole from canvas calls alone (a chart).
// `serve()` makes this the page's drawing worker (see worker.rs).

// The drawing protocol, as src/canvas/protocol.rs defines it (a test there checks that the two
// agree). A scene's header, by position:
const H_PX_W = 0, H_PX_H = 1, H_SCALE = 2, H_CSS_W = 3, H_CSS_H = 4, H_NOW = 5, H_SNAP = 6;
const H_DOT = 7, H_CLOCK_X = 8, H_CLOCK_Y = 9, H_SENT = 10, H_LEN = 11;
// A scene's items:
const ITEM_PALETTE = 1, ITEM_FONTS = 2, ITEM_RING = 3, ITEM_FLIGHT = 4, ITEM_LABEL = 5, ITEM_BACK = 6;
// Canvas calls:
const CALL_FILL_STYLE = 1, CALL_STROKE_STYLE = 2, CALL_LINE_WIDTH = 3, CALL_FONT = 4;
const CALL_TEXT_ALIGN = 5, CALL_TEXT_BASELINE = 6, CALL_FILL_RECT = 7, CALL_BEGIN_PATH = 8;
const CALL_MOVE_TO = 9, CALL_LINE_TO = 10, CALL_ARC = 11, CALL_FILL = 12, CALL_STROKE = 13;
const CALL_FILL_TEXT = 14, CALL_LINE_DASH = 15, CALL_GLOBAL_ALPHA = 16, CALL_LINE_JOIN = 17;
const SHEET_HEADER_LEN = 5;
// While no message flies, the front layer is drawn once per this many ms of the frame clock
// (every other frame at 60 Hz). Slots of the frame clock, not time since the last drawing, so
// that side by side both stages draw in the same frames.
const CALM_MS = 33;
// Messages to the worker, by their first element:
const MSG_STAGE = 0, MSG_DRAW = 1, MSG_FORGET_STAGE = 2, MSG_SHEET = 3, MSG_FORGET_SHEET = 4;

// A string recorded as its length, then its UTF-16 code units, at ops[i].
function textAt(ops, i) {
  return String.fromCharCode.apply(null, ops.subarray(i + 1, i + 1 + ops[i]));
}

// Canvas calls recorded by `Pen` in scene.rs, made on `c`.
function calls(c, ops) {
  let i = 0;
  const string = () => {
    const text = textAt(ops, i);
    i += 1 + ops[i];
    return text;
  };
  while (i < ops.length) {
    switch (ops[i++]) {
      case CALL_FILL_STYLE: c.fillStyle = string(); break;
      case CALL_STROKE_STYLE: c.strokeStyle = string(); break;
      case CALL_LINE_WIDTH: c.lineWidth = ops[i++]; break;
      case CALL_FONT: c.font = string(); break;
      case CALL_TEXT_ALIGN: c.textAlign = string(); break;
      case CALL_TEXT_BASELINE: c.textBaseline = string(); break;
      case CALL_FILL_RECT: c.fillRect(ops[i], ops[i + 1], ops[i + 2], ops[i + 3]); i += 4; break;
      case CALL_BEGIN_PATH: c.beginPath(); break;
      case CALL_MOVE_TO: c.moveTo(ops[i], ops[i + 1]); i += 2; break;
      case CALL_LINE_TO: c.lineTo(ops[i], ops[i + 1]); i += 2; break;
      case CALL_ARC: c.arc(ops[i], ops[i + 1], ops[i + 2], ops[i + 3], ops[i + 4]); i += 5; break;
      case CALL_FILL: c.fill(); break;
      case CALL_STROKE: c.stroke(); break;
      case CALL_FILL_TEXT: { const text = string(); c.fillText(text, ops[i], ops[i + 1]); i += 2; break; }
      case CALL_LINE_DASH: c.setLineDash(ops[i] > 0 ? [ops[i], ops[i + 1]] : []); i += 2; break;
      case CALL_GLOBAL_ALPHA: c.globalAlpha = ops[i++]; break;
      case CALL_LINE_JOIN: c.lineJoin = string(); break;
      default: return; // unknown: stop here
    }
  }
}

// Size `canvas` (w × h pixels), scale its context `c` to CSS pixels and clear it (cw × ch).
function prepare(canvas, c, w, h, scale, cw, ch) {
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  c.setTransform(scale, 0, 0, scale, 0, 0);
  c.clearRect(0, 0, cw, ch);
}

// A canvas drawn whole: each buffer is its pixel size, scale and CSS size, then its calls.
function sheet(canvas) {
  const ctx = canvas.getContext('2d');
  return (buffer) => {
    const ops = new Float64Array(buffer);
    prepare(canvas, ctx, ops[0], ops[1], ops[2], ops[3], ops[4]);
    calls(ctx, ops.subarray(SHEET_HEADER_LEN));
  };
}

// A scene (an ArrayBuffer of numbers, scene.rs) as an object; colours it names go into
// `palette`, which outlives scenes (a scene names only the colours that are new).
function readScene(buffer, palette) {
  const ops = new Float64Array(buffer);
  let i = 0;
  const string = () => {
    const text = textAt(ops, i);
    i += 1 + ops[i];
    return text;
  };
  // Header: pixel size, scale, CSS size, now (µs), snap, dot radius, clock x and y, and when
  // the page sent it (ms since the epoch of every page and worker clock; 0: not said).
  const h = ops.subarray(0, H_LEN);
  i = H_LEN;
  const scene = {
    w: h[H_PX_W], hgt: h[H_PX_H], scale: h[H_SCALE], cw: h[H_CSS_W], ch: h[H_CSS_H], now: h[H_NOW], snap: h[H_SNAP],
    dot: h[H_DOT], cx: h[H_CLOCK_X], cy: h[H_CLOCK_Y], sent: h[H_SENT], rings: [], flights: [], labelFont: '', clockFont: '',
  };
  while (i < ops.length) {
    switch (ops[i++]) {
      case ITEM_PALETTE: palette[ops[i++]] = string(); break; // index colour
      case ITEM_FONTS: scene.labelFont = string(); scene.clockFont = string(); break;
      case ITEM_RING: scene.rings.push(ops.subarray(i, i + 5)); i += 5; break; // x y r set fires
      case ITEM_FLIGHT: scene.flights.push({ f: ops.subarray(i, i + 8), label: null }); i += 8; break; // fx fy tx ty sent lands colour response
      case ITEM_LABEL: scene.flights[scene.flights.length - 1].label = string(); break;
      case ITEM_BACK: scene.back = ops.subarray(i); return scene; // the rest is its drawing
      default: return scene; // unknown: keep what was read
    }
  }
  return scene;
}

// Countdown rings at virtual time d: the track, then the time left (red when under a quarter).
const RING = ['#cbd5e1', '#475569', '#dc2626'];
function drawRings(ctx, s, d) {
  ctx.lineWidth = 4;
  for (let pass = 0; pass < 3; pass++) {
    ctx.beginPath();
    for (const [x, y, r, set, fires] of s.rings) {
      const left = Math.min(1, Math.max(0, (fires - d) / Math.max(1, fires - set)));
      if (pass === 0) {
        ctx.moveTo(x + r, y);
        ctx.arc(x, y, r, 0, 2 * Math.PI);
      } else if ((pass === 2) === left < 0.25) {
        const a = -Math.PI / 2;
        ctx.moveTo(x + r * Math.cos(a), y + r * Math.sin(a));
        ctx.arc(x, y, r, a, a + 2 * Math.PI * left);
      }
    }
    ctx.strokeStyle = RING[pass];
    ctx.stroke();
  }
}

// Where each message is at virtual time d ([x, y], or null when not in flight).
function positions(s, d) {
  return s.flights.map(({ f }) => {
    if (d < f[4] || d >= f[5]) return null;
    const p = (d - f[4]) / Math.max(1, f[5] - f[4]);
    return [f[0] + (f[2] - f[0]) * p, f[1] + (f[3] - f[1]) * p];
  });
}

// Messages flying now (at: their positions), in runs of one colour: the lit wire, then the dot
// (requests filled, responses hollow). Wires are one pixel wide: wider antialiased strokes cost
// several times more to draw without a GPU, and an election puts hundreds on the stage at once.
function drawFlights(ctx, s, at, palette) {
  const fl = s.flights, dot = s.dot;
  for (let a = 0; a < fl.length; ) {
    let b = a;
    while (b < fl.length && fl[b].f[6] === fl[a].f[6]) b++;
    const colour = palette[fl[a].f[6]];
    ctx.globalAlpha = 0.4;
    ctx.strokeStyle = colour;
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let k = a; k < b; k++) {
      if (!at[k]) continue;
      ctx.moveTo(fl[k].f[0], fl[k].f[1]);
      ctx.lineTo(at[k][0], at[k][1]);
    }
    ctx.stroke();
    ctx.globalAlpha = 1;
    for (const response of [0, 1]) {
      ctx.beginPath();
      let any = false;
      for (let k = a; k < b; k++) {
        if (!at[k] || fl[k].f[7] !== response) continue;
        any = true;
        ctx.moveTo(at[k][0] + dot, at[k][1]);
        ctx.arc(at[k][0], at[k][1], dot, 0, 2 * Math.PI);
      }
      if (!any) continue;
      ctx.fillStyle = response ? '#f8fafc' : colour;
      ctx.fill();
      if (response) {
        ctx.lineWidth = 2.5;
        ctx.stroke();
      }
    }
    a = b;
  }
}

// Vote labels: each above its dot, else below it, where it covers no label drawn before it
// (else not at all), with a light halo so that it reads over the wires.
function drawLabels(ctx, s, at, palette) {
  ctx.font = s.labelFont;
  const tall = parseFloat(s.labelFont.split(' ')[1]) || 11;
  const boxes = [];
  s.flights.forEach(({ f, label }, k) => {
    if (label === null || !at[k]) return;
    if (!boxes.length) {
      ctx.lineWidth = 3;
      ctx.strokeStyle = 'rgba(248, 250, 252, 0.9)';
    }
    const x = at[k][0] + s.dot + 3;
    const right = x + ctx.measureText(label).width;
    for (const y of [at[k][1] - s.dot - 2, at[k][1] + s.dot + tall + 2]) {
      const box = [x, y - tall, right, y + 3];
      if (boxes.some((b) => b[0] < box[2] && box[0] < b[2] && b[1] < box[3] && box[1] < b[3])) continue;
      boxes.push(box);
      ctx.strokeText(label, x, y);
      ctx.fillStyle = palette[f[6]];
      ctx.fillText(label, x, y);
      return;
    }
  });
}

// The clock: the virtual time d (µs) shown.
function drawClock(ctx, s, d) {
  const ms = Math.floor(d / 1000);
  ctx.fillStyle = '#0f172a';
  ctx.font = s.clockFont;
  ctx.textAlign = 'right';
  ctx.fillText(`t = ${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, '0')} s`, s.cx, s.cy);
  ctx.textAlign = 'start';
}

function stage(canvas, back) {
  const ctx = canvas.getContext('2d');
  // The back layer covers its whole canvas (back.rs), so it is opaque: the compositor then
  // draws nothing beneath it when the front layer changes.
  const bctx = back ? back.getContext('2d', { alpha: false }) : null;
  const palette = [];
  const later = self.requestAnimationFrame ? (f) => self.requestAnimationFrame(f) : (f) => setTimeout(() => f(performance.now()), 16);
  let s = null; // the newest scene
  let from = 0, to = 0, start = 0, span = 0, last = -1, looping = false;
  // The slot of the frame clock (CALM_MS) in which the front layer was last drawn, and whether
  // a message was on it.
  let drawnSlot = -1, flew = false;
  // The smallest (arrival − sending) seen, on this clock: how far this clock is from the
  // page's (origins can disagree, e.g. after the machine slept) plus the quickest hand-over.
  let offset = Infinity;

  // The virtual time to show at wall time t: from -> to over `span` ms.
  const when = (t) => (span > 0 ? from + (to - from) * Math.min(1, Math.max(0, t - start) / span) : to);

  // The front layer at virtual time d.
  function draw(d) {
    prepare(canvas, ctx, s.w, s.hgt, s.scale, s.cw, s.ch);
    drawRings(ctx, s, d);
    const at = positions(s, d);
    flew = at.some((p) => p !== null);
    drawFlights(ctx, s, at, palette);
    drawLabels(ctx, s, at, palette);
    drawClock(ctx, s, d);
  }

  // Whether a message is in flight at virtual time d.
  const flying = (d) => s.flights.some(({ f }) => d >= f[4] && d < f[5]);

  function frame(t) {
    const d = when(t);
    looping = d < to;
    // Messages move at the display's rate. While none flies, only the countdown rings and the
    // clock creep: they are drawn in every other frame (CALM_MS), since each drawing of the front
    // canvas costs the browser a commit and a composite, most of what the stage costs it
    // (README, Performance). The frame after a message lands, and the last one, are drawn.
    const slot = Math.floor(t / CALM_MS);
    if (flew || !looping || slot !== drawnSlot || flying(d)) {
      draw(d);
      drawnSlot = slot;
    }
    if (looping) later(frame);
  }

  return (buffer) => {
    const next = readScene(buffer, palette);
    // Glide from when the page sent the scene, not from when it arrived: side by side, both
    // stages then show the same virtual time in the same frame, however late each worker is.
    let t = performance.now();
    if (next.sent > 0) {
      const sent = next.sent - (performance.timeOrigin || 0);
      offset = Math.min(offset, t - sent);
      t = sent + offset;
    }
    // Show the newest scene at once when asked (a step, an action, a pause), the first time,
    // or if time went back; otherwise glide there from what is shown now.
    const glide = s !== null && !next.snap && next.now >= when(t);
    from = glide ? when(t) : next.now;
    to = next.now;
    // Glide over the time since the previous scene (the page's tick), or a tick's worth after
    // a pause.
    span = glide ? (last >= 0 ? Math.min(250, Math.max(16, t - last)) : 50) : 0;
    start = t;
    last = next.snap ? -1 : t;
    s = next;
    if (next.back && bctx) {
      prepare(back, bctx, s.w, s.hgt, s.scale, s.cw, s.ch);
      calls(bctx, s.back);
    }
    if (!looping) draw(from);
    if (from < to && !looping) {
      looping = true;
      later(frame);
    }
  };
}

// The page's drawing worker: it draws every canvas of the page that was handed to it. Once it
// has drawn its first scenes, it says so (one message back).
function serve() {
  const takes = [], sheets = [];
  let told = false;
  self.onmessage = ({ data }) => {
    const [kind, ...m] = data;
    if (kind === MSG_STAGE) takes[m[0]] = stage(m[1], m[2]);
    else if (kind === MSG_SHEET) sheets[m[0]] = sheet(m[1]);
    else if (kind === MSG_FORGET_STAGE) delete takes[m[0]];
    else if (kind === MSG_FORGET_SHEET) delete sheets[m[0]];
    else if (kind === MSG_DRAW) {
      for (let k = 0; k + 1 < m.length; k += 2) {
        const f = m[k] < 0 ? sheets[-1 - m[k]] : takes[m[k]];
        try { if (f) f(m[k + 1]); } catch (e) {}
      }
      if (!told) {
        told = true;
        self.postMessage(0);
      }
    }
  };
}

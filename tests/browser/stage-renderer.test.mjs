// stage.js, the stage's renderer, driven directly: scenes in, canvas calls out. It runs
// in a worker in the app (stage.test.mjs checks that end to end); here every animation frame
// and every clock reading is ours, so the gliding between scenes can be checked exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const SOURCE = readFileSync(new URL('../../src/canvas/stage.js', import.meta.url), 'utf8');

/** A canvas whose 2D context records what is drawn; a clock and frame queue we advance. Times
 * given to it are on the page's clock; this stage's clock started `origin` ms later, and it is
 * told its origin `error` ms off (clocks of a page and a worker can disagree). */
function rig({ origin = 0, error = 0 } = {}) {
  const recorder = (calls) => new Proxy({}, {
    // Text is 6 px a character here.
    get: (_, name) => (...args) => (calls.push([name, ...args]), name === 'measureText' ? { width: 6 * args[0].length } : undefined),
    set: (_, name, value) => (calls.push([`=${String(name)}`, value]), true),
  });
  const calls = [];
  const backCalls = [];
  const ctx = recorder(calls);
  const canvas = { width: 0, height: 0, getContext: () => ctx };
  const backCtx = recorder(backCalls);
  const back = { width: 0, height: 0, getContext: () => backCtx };
  let now = 0;
  let frames = [];
  const self = { requestAnimationFrame: (f) => frames.push(f) };
  const clock = { now: () => now - origin, timeOrigin: origin + error };
  const take = new Function('self', 'performance', `${SOURCE}\nreturn stage;`)(self, clock)(canvas, back);
  return {
    calls,
    back,
    backCalls,
    take,
    /** Move the wall clock to `t` ms and run the frames asked for by then. */
    frame(t) {
      now = t;
      const due = frames;
      frames = [];
      due.forEach((f) => f(t - origin));
      return due.length;
    },
    at(t) { now = t; },
    pending: () => frames.length,
    /** The clock text drawn last. */
    clock() {
      const texts = calls.filter((c) => c[0] === 'fillText' && String(c[1]).startsWith('t = '));
      return texts.length ? texts.at(-1)[1] : null;
    },
  };
}

/** A scene as front.rs records it: header, fonts, then items. */
function scene({ now, snap = false, flights = [], rings = [], sent = 0, back = null }) {
  const ops = [800, 600, 1, 800, 600, now, snap ? 1 : 0, 5, 788, 24, sent];
  const str = (s) => { ops.push(s.length, ...[...s].map((ch) => ch.charCodeAt(0))); };
  ops.push(1, 0); str('#9333ea');
  ops.push(2); str('600 11px sans-serif'); str('600 16px monospace');
  for (const r of rings) ops.push(3, ...r);
  for (const f of flights) {
    ops.push(4, f.from[0], f.from[1], f.to[0], f.to[1], f.sent, f.lands, 0, f.response ? 1 : 0);
    if (f.label) { ops.push(5); str(f.label); }
  }
  if (back) {
    ops.push(6);
    back(ops, str);
  }
  return new Float64Array(ops).buffer;
}

/** A message in flight the whole time: every frame is then drawn (see the calm frames below),
 * so the glide can be checked frame by frame. */
const ALOFT = { from: [0, 0], to: [10, 0], sent: 0, lands: 1e12 };

test('a snapped scene is drawn at once, at its own time, and asks for no frames', () => {
  const r = rig();
  r.at(1000);
  r.take(scene({ now: 2_000_000, snap: true }));
  assert.equal(r.clock(), 't = 2.000 s');
  assert.equal(r.pending(), 0, 'nothing moves: no animation frame');
});

test('the next scene is reached by gliding over the time between scenes, never past it, then frames stop', () => {
  const r = rig();
  r.at(1000);
  r.take(scene({ now: 1_000_000, snap: true, flights: [ALOFT] }));
  r.at(1050);
  r.take(scene({ now: 1_050_000, flights: [ALOFT] })); // 50 ms later, 50 ms of virtual time on
  const seen = [];
  for (let t = 1050; t <= 1150; t += 10) {
    if (r.frame(t)) seen.push(r.clock());
  }
  assert.equal(seen[0], 't = 1.000 s', 'it starts from what was shown');
  assert.ok(seen.includes('t = 1.020 s'), `it passes through the time between: ${seen}`);
  assert.deepEqual(seen.slice().sort(), seen, 'time only moves forward');
  assert.equal(seen.at(-1), 't = 1.050 s', 'it ends at the newest scene');
  assert.equal(r.pending(), 0, 'once there, it stops asking for frames');
});

test('a message is drawn only between its sending and its landing, and moves along its wire', () => {
  const r = rig();
  r.at(0);
  r.take(scene({ now: 0, snap: true }));
  r.at(100);
  // Sent at 20 ms and landed at 60 ms: both between the two scenes.
  const flight = { from: [0, 0], to: [400, 0], sent: 20_000, lands: 60_000, label: 'Vote' };
  r.take(scene({ now: 100_000, flights: [flight] }));
  const where = (t) => {
    r.calls.length = 0;
    r.frame(t);
    const label = r.calls.find((c) => c[0] === 'fillText' && c[1] === 'Vote');
    return label ? label[2] : null; // x of its label: beside the dot
  };
  // The first glide after a still picture takes one tick (50 ms of wall time) to go from 0 to
  // 100 ms of virtual time: 2 ms of virtual time per ms.
  assert.equal(where(105), null, 'at 10 ms it has not been sent');
  const x1 = where(115);
  const x2 = where(125);
  assert.ok(x1 !== null && x2 !== null && x2 > x1, `it flies from left to right: ${x1} then ${x2}`);
  assert.equal(where(135), null, 'at 70 ms it has landed');
});

test('a countdown ring shows the time left at the moment drawn: red in its last quarter', () => {
  const r = rig();
  r.at(0);
  // A timer set at 0 that fires at 100 ms, seen at 50 ms and then at 90 ms.
  r.take(scene({ now: 50_000, snap: true, rings: [[100, 100, 30, 0, 100_000]] }));
  const strokes = () => r.calls.filter((c) => c[0] === '=strokeStyle').map((c) => c[1]);
  const arcs = () => r.calls.filter((c) => c[0] === 'arc');
  assert.deepEqual(strokes().slice(0, 3), ['#cbd5e1', '#475569', '#dc2626']);
  const half = arcs()[1];
  assert.ok(Math.abs(half[5] - half[4] - Math.PI) < 1e-9, 'half left: half a turn, in grey');
  r.calls.length = 0;
  r.take(scene({ now: 90_000, snap: true, rings: [[100, 100, 30, 0, 100_000]] }));
  const [track, red] = arcs();
  assert.ok(track && red && Math.abs(red[5] - red[4] - 0.2 * Math.PI) < 1e-9, 'a tenth left: a tenth of a turn');
  const order = r.calls.filter((c) => c[0] === 'arc' || c[0] === '=strokeStyle').map((c) => c[0] === 'arc' ? 'arc' : c[1]);
  assert.deepEqual(order, ['arc', '#cbd5e1', '#475569', 'arc', '#dc2626'], 'the short arc is in the red pass');
});

test('time going back (a step back, a scrub) is shown at once, not glided through backwards', () => {
  const r = rig();
  r.at(0);
  r.take(scene({ now: 5_000_000, snap: true }));
  r.at(50);
  r.take(scene({ now: 3_000_000 }));
  assert.equal(r.clock(), 't = 3.000 s');
  assert.equal(r.pending(), 0);
});

test('side by side, two stages that get the same scenes at different moments show the same time', () => {
  // The page sends each tick's scene to both sides at once (`sent`), but each worker takes it
  // when it gets to it: here the second one 7 ms, then 2 ms, then 11 ms after the first.
  const [a, b] = [rig(), rig()];
  const ticks = [[1000, 1_000_000, true, 0], [1050, 1_050_000, false, 7], [1100, 1_100_000, false, 2], [1150, 1_150_000, false, 11]];
  const shown = [];
  for (let t = 1000; t <= 1240; t += 1) {
    for (const [sent, now, snap, lag] of ticks) {
      if (sent === t) a.at(t), a.take(scene({ now, snap, sent, flights: [ALOFT] }));
      if (sent + lag === t) b.at(t), b.take(scene({ now, snap, sent, flights: [ALOFT] }));
    }
    if (t % 4 === 0) {
      a.frame(t);
      b.frame(t);
      shown.push([t, a.clock(), b.clock()]);
    }
  }
  // Once the late stage has its scene, both show the same clock in every frame.
  const after = shown.filter(([t]) => t >= 1162);
  assert.ok(after.every(([, x, y]) => x === y), `the same time in each frame: ${JSON.stringify(after.filter(([, x, y]) => x !== y))}`);
  assert.ok(new Set(after.map(([, x]) => x)).size > 3, 'and it moves');
  assert.equal(after.at(-1)[1], 't = 1.150 s');
});

test('a stage whose clock origin is reported seconds off still glides smoothly', () => {
  for (const error of [3000, -3000]) {
    const r = rig({ origin: 700, error });
    const shown = [];
    for (let t = 1000; t <= 1400; t += 1) {
      // A scene every 50 ms, 50 ms of virtual time on, taken 1 to 3 ms after it was sent.
      if (t % 50 === 1 + (Math.floor(t / 50) % 3)) r.at(t), r.take(scene({ now: (t - (t % 50)) * 1000, snap: t < 1010, sent: t - (t % 50), flights: [ALOFT] }));
      if (t % 4 === 0 && r.frame(t)) shown.push(Number(r.clock().slice(4, -2)));
    }
    const steps = shown.slice(1).map((x, i) => Math.round((x - shown[i]) * 1000));
    assert.ok(steps.every((d) => d >= 0 && d <= 12), `error ${error}: small steps forward, not jumps: ${steps}`);
    assert.ok(steps.filter((d) => d > 0).length > 60, `error ${error}: it moves in most frames`);
  }
});

test('while no message flies, the front is drawn in every other frame; while one flies, in every frame', () => {
  const drawnIn = (flights) => {
    const r = rig();
    r.at(0);
    r.take(scene({ now: 0, snap: true }));
    // Scenes 250 ms apart, 250 ms of virtual time on: the second glide takes 250 ms.
    r.at(1000);
    r.take(scene({ now: 250_000, flights }));
    r.frame(1050);
    r.at(1250);
    r.take(scene({ now: 500_000, flights }));
    const frames = [];
    for (let k = 1; k <= 14; k++) {
      r.calls.length = 0;
      r.frame(1250 + (k * 1000) / 60); // the display's frames at 60 Hz
      frames.push(r.clock() !== null);
    }
    return frames;
  };
  const calm = drawnIn([]);
  const busy = drawnIn([ALOFT]);
  assert.ok(busy.every(Boolean), `a message in flight: every frame is drawn: ${busy}`);
  const count = calm.filter(Boolean).length;
  assert.ok(count >= 6 && count <= 8, `nothing in flight: half the frames are drawn (${count} of 14)`);
  assert.ok(calm.every((drawn, k) => drawn || calm[k - 1] || calm[k + 1]), `never two frames in a row left out: ${calm}`);
});

test('a calm glide still draws the frame after a message lands and its last frame', () => {
  const r = rig();
  r.at(0);
  r.take(scene({ now: 0, snap: true }));
  r.at(1000);
  // Lands at 40 ms of virtual time; the glide (50 ms of wall time at first) reaches 100 ms.
  r.take(scene({ now: 100_000, flights: [{ from: [0, 0], to: [400, 0], sent: 0, lands: 40_000 }] }));
  const dots = () => r.calls.filter((c) => c[0] === 'arc' && c[3] === 5).length;
  const drawn = [];
  let clock = null;
  for (let t = 1000 + 1000 / 60; t < 1100; t += 1000 / 60) {
    r.calls.length = 0;
    r.frame(t);
    drawn.push([Math.round(t), r.calls.length > 0, dots()]);
    clock = r.clock() ?? clock;
  }
  const landed = drawn.findIndex(([, , n]) => n === 0);
  assert.ok(landed > 0 && drawn[landed][1], `the frame after it landed clears it: ${JSON.stringify(drawn)}`);
  assert.equal(clock, 't = 0.100 s', 'the glide ends on the scene\'s time');
  assert.equal(r.pending(), 0, 'and stops');
});

test('side by side, calm stages draw in the same frames', () => {
  // As above (each worker takes the tick's scene a few ms apart), with nothing in flight and
  // the display's frames at 60 Hz.
  const [a, b] = [rig(), rig()];
  const ticks = [[1000, 1_000_000, true, 0], [1050, 1_050_000, false, 7], [1100, 1_100_000, false, 2], [1150, 1_150_000, false, 11], [1200, 1_200_000, false, 3]];
  const shown = [];
  let frame = 1000;
  for (let t = 1000; t <= 1260; t += 1) {
    for (const [sent, now, snap, lag] of ticks) {
      if (sent === t) a.at(t), a.take(scene({ now, snap, sent }));
      if (sent + lag === t) b.at(t), b.take(scene({ now, snap, sent }));
    }
    if (t >= frame) {
      a.calls.length = 0;
      b.calls.length = 0;
      a.frame(frame);
      b.frame(frame);
      shown.push([t, a.calls.length > 0, b.calls.length > 0, a.clock(), b.clock()]);
      frame += 1000 / 60;
    }
  }
  const after = shown.filter(([t]) => t >= 1162);
  assert.ok(after.every(([, x, y]) => x === y), `both draw in a frame, or neither: ${JSON.stringify(after)}`);
  assert.ok(after.every(([, , , x, y]) => x === null || x === y), `the same time when they do: ${JSON.stringify(after)}`);
  const drawn = after.filter(([, x]) => x).length;
  assert.ok(drawn > 0 && drawn < after.length, `some frames, not all: ${drawn} of ${after.length}`);
});

test('vote labels never cover one another: the next goes below its dot, else is left out', () => {
  const r = rig();
  r.at(0);
  r.take(scene({ now: 0, snap: true }));
  r.at(100);
  // Three votes on one wire, sent together: their dots are drawn at the same spot.
  const vote = (label) => ({ from: [100, 100], to: [500, 100], sent: 0, lands: 200_000, label });
  r.take(scene({ now: 100_000, flights: [vote('zk4 (0, 0:0)'), vote('zk2 (0, 0:0)'), vote('zk3 (0, 0:0)')] }));
  r.calls.length = 0;
  r.frame(150);
  const drawn = r.calls.filter((c) => c[0] === 'fillText' && /^zk/.test(c[1]));
  assert.deepEqual(drawn.map((c) => c[1]), ['zk4 (0, 0:0)', 'zk2 (0, 0:0)'], 'the third has no room');
  const [above, below] = drawn;
  assert.equal(above[2], below[2], 'beside the same dot');
  assert.ok(below[3] - above[3] >= 11 + 3, `one line apart at least: ${above[3]}, ${below[3]}`);
  const halos = r.calls.filter((c) => c[0] === 'strokeText').map((c) => c[1]);
  assert.deepEqual(halos, ['zk4 (0, 0:0)', 'zk2 (0, 0:0)'], 'each drawn over a light halo');
});

test('the back layer: drawn as recorded when a scene brings it, at the scene\'s size, and left alone by scenes without it', () => {
  const r = rig();
  r.at(1000);
  // As `Pen` in front.rs records them: fill colour, a rectangle, a dashed line, a filled
  // circle, a label.
  const drawing = (ops, str) => {
    ops.push(1); str('#f8fafc');
    ops.push(7, 0, 0, 800, 600);
    ops.push(15, 6, 5, 8, 9, 10, 20, 10, 30, 40, 13, 15, 0, 0);
    ops.push(8, 11, 100, 120, 20, 0, 6.25, 1); str('#d97706'); ops.push(12);
    ops.push(5); str('center'); ops.push(14); str('c1'); ops.push(100, 120);
  };
  r.take(scene({ now: 1_000_000, snap: true, back: drawing }));
  assert.deepEqual([r.back.width, r.back.height], [800, 600], 'sized like the stage');
  const names = r.backCalls.map((c) => c[0]);
  assert.deepEqual(names, [
    'setTransform', 'clearRect', '=fillStyle', 'fillRect', 'setLineDash', 'beginPath', 'moveTo', 'lineTo', 'stroke',
    'setLineDash', 'beginPath', 'arc', '=fillStyle', 'fill', '=textAlign', 'fillText',
  ]);
  assert.deepEqual(r.backCalls.find((c) => c[0] === 'arc'), ['arc', 100, 120, 20, 0, 6.25]);
  assert.deepEqual(r.backCalls.filter((c) => c[0] === 'setLineDash').map((c) => c[1]), [[6, 5], []]);
  assert.deepEqual(r.backCalls.find((c) => c[0] === 'fillText'), ['fillText', 'c1', 100, 120]);
  assert.ok(!r.calls.some((c) => c[0] === 'fillRect'), 'nothing of it on the front layer');
  const drawn = r.backCalls.length;
  r.at(1050);
  r.take(scene({ now: 1_050_000 }));
  r.frame(1060);
  assert.equal(r.backCalls.length, drawn, 'a scene without a back layer leaves it as it is');
});

import { serveDist, launch } from './harness.mjs';
const query = process.argv[2] ?? '?seed=7&controllers=5';
const server = await serveDist();
const browser = await launch();
const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
await context.addInitScript(`
  window.__calls = {}; window.__ctxTime = 0; window.__frameTime = 0; window.__n = 0;
  const P = CanvasRenderingContext2D.prototype;
  for (const k of Object.getOwnPropertyNames(P)) {
    const d = Object.getOwnPropertyDescriptor(P, k);
    if (typeof d.value === 'function') {
      const orig = d.value;
      P[k] = function (...a) { window.__calls[k] = (window.__calls[k] ?? 0) + 1; const t = performance.now(); const r = orig.apply(this, a); const d = performance.now() - t; window.__ctxTime += d; window.__calls['T ' + k] = (window.__calls['T ' + k] ?? 0) + d; return r; };
    } else if (d.set) {
      const set = d.set;
      Object.defineProperty(P, k, { ...d, set(v) { window.__calls['set ' + k] = (window.__calls['set ' + k] ?? 0) + 1; const t = performance.now(); set.call(this, v); window.__calls['T set ' + k] = (window.__calls['T set ' + k] ?? 0) + performance.now() - t; } });
    }
  }
  const raf = window.requestAnimationFrame.bind(window);
  window.requestAnimationFrame = (cb) => raf((ts) => { const t0 = performance.now(); cb(ts); window.__frameTime += performance.now() - t0; window.__n++; });
`);
const page = await context.newPage();
await page.goto(server.url + query);
await page.waitForTimeout(1500);
await page.evaluate(() => { window.__calls = {}; window.__ctxTime = 0; window.__frameTime = 0; window.__n = 0; });
await page.waitForTimeout(3000);
const r = await page.evaluate(() => ({ calls: window.__calls, ctx: window.__ctxTime, frame: window.__frameTime, n: window.__n }));
console.log('frames', r.n, 'frame ms/frame', (r.frame / r.n).toFixed(3), 'ctx ms/frame', (r.ctx / r.n).toFixed(3));
for (const [k, v] of Object.entries(r.calls).sort((a, b) => b[1] - a[1])) console.log(k.padEnd(24), k.startsWith('T ') ? (v / r.n * 1000).toFixed(1) + ' us/frame' : (v / r.n).toFixed(1));
await page.screenshot({ path: '/tmp/rp/app.png' });
await browser.close(); await server.close();

import { serveDist, launch } from './harness.mjs';
const query = process.argv[2] ?? '?seed=7&controllers=5';
const server = await serveDist();
const browser = await launch();
const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
await context.addInitScript(`
  window.__t = { frames: 0, touched: 0, calls: 0 }; let flag = false;
  const P = CanvasRenderingContext2D.prototype;
  for (const k of ['drawImage', 'fillText', 'stroke', 'fill', 'fillRect']) { const o = P[k]; P[k] = function (...a) { if (this.canvas.isConnected) { flag = true; window.__t.calls++; } return o.apply(this, a); }; }
  const raf = window.requestAnimationFrame.bind(window);
  window.requestAnimationFrame = (cb) => raf((ts) => { flag = false; cb(ts); window.__t.frames++; if (flag) window.__t.touched++; });
`);
const page = await context.newPage();
await page.goto(server.url + query);
await page.waitForTimeout(1500);
await page.evaluate(() => { window.__t = { frames: 0, touched: 0, calls: 0 }; });
await page.waitForTimeout(4000);
console.log(await page.evaluate(() => window.__t));
await browser.close(); await server.close();

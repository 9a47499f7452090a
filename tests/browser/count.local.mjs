import { serveDist, launch } from './harness.mjs';
const server = await serveDist();
const browser = await launch();
const context = await browser.newContext({ viewport: { width: +(process.env.W ?? 1280), height: +(process.env.H ?? 800) } });
await context.addInitScript(() => {
  window.__calls = new Map();
  for (const name of ['fillRect', 'clearRect', 'fillText', 'arc', 'stroke', 'fill', 'setLineDash']) {
    const orig = CanvasRenderingContext2D.prototype[name];
    CanvasRenderingContext2D.prototype[name] = function (...a) {
      const key = `${this.canvas.className || 'back'}:${name}`;
      window.__calls.set(key, (window.__calls.get(key) ?? 0) + 1);
      return orig.apply(this, a);
    };
  }
});
const page = await context.newPage();
await page.goto(server.url + (process.argv[2] ?? '?seed=7&controllers=5'));
await page.waitForTimeout(1500);
await page.evaluate(() => window.__calls.clear());
await page.waitForTimeout(2000);
console.log(await page.evaluate(() => [...window.__calls].map(([k, v]) => `${k} ${(v / 2).toFixed(0)}/s`).join('\n')));
await browser.close(); await server.close();

// Scratch: incremental drawing must equal a full redraw. Play, pause, snapshot the canvas pixels;
// force a full redraw (language there and back); snapshot again; compare.
import { serveDist, launch } from './harness.mjs';
import { writeFile } from 'node:fs/promises';
const server = await serveDist();
const browser = await launch();
const only = process.argv[2];
const cases0 = [
  ['kraft5', '?seed=7&controllers=5&lang=en', {}, 2500, null],
  ['kraft-crash', '?seed=11&lang=en', {}, 1500, 'click-leader'],
  ['zk', '?mode=zk&seed=7&lang=en', {}, 3000, null],
  ['both', '?mode=both&seed=7&ensemble=7&controllers=5&brokers=6&lang=en', { width: 1600, height: 1000 }, 1500, 'crash-controller'],
  ['embed', '?seed=7&embed=1&lang=en', { width: 480, height: 320 }, 2000, null],
  ['phone', '?mode=zk&seed=7&lang=en', { width: 390, height: 844, dpr: 2 }, 2500, null],
  ['fast', '?seed=3&controllers=5&lang=en', {}, 2500, 'speed'],
];
const cases = only ? cases0.filter((c) => c[0] === only) : cases0;
let bad = 0;
for (const [name, q, vp, ms, action] of cases) {
  for (const wait of [ms, ms + 777]) {
    const context = await browser.newContext({ viewport: { width: vp.width ?? 1280, height: vp.height ?? 800 }, deviceScaleFactor: vp.dpr ?? 1 });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('response', (r) => r.status() >= 400 && errors.push(`${r.status()} ${r.url()}`));
    await page.goto(server.url + q);
    await page.waitForTimeout(800);
    if (action === 'crash-controller') await page.locator('[data-testid=crash-controller]').click();
    if (action === 'speed') await page.locator('[data-testid=speed]').fill('150');
    if (action === 'click-leader') { const l = page.locator('.node-hit[data-role=leader]').first(); if (await l.count()) await l.click(); }
    await page.waitForTimeout(wait);
    await page.locator('[data-testid=play]').click();
    await page.waitForTimeout(300);
    const grab = () => page.evaluate(() => Array.from(document.querySelectorAll('canvas')).map((c) => { const t = document.createElement('canvas'); t.width = c.width; t.height = c.height; const x = t.getContext('2d'); x.drawImage(c, 0, 0); return Array.from(x.getImageData(0, 0, c.width, c.height).data); }));
    const a0 = await grab();
    await page.evaluate(() => window.dispatchEvent(new Event('resize')));
    await page.waitForTimeout(200);
    const a = await grab();
    const redraws = a0.map((x, i) => x.filter((v, k) => v !== a[i][k]).length);
    if (redraws.some((n) => n)) console.log(name, wait, 'a paused redraw changed', redraws);
    // A resize redraws everything from scratch.
    const size = page.viewportSize();
    await page.setViewportSize({ width: size.width + 40, height: size.height });
    await page.waitForTimeout(200);
    await page.setViewportSize(size);
    await page.waitForTimeout(300);
    const b = await grab();
    const widths = await page.evaluate(() => Array.from(document.querySelectorAll('canvas')).map((c) => c.width));
    let same = a.length === b.length;
    const report = [];
    for (let i = 0; same && i < a.length; i++) {
      if (a[i].length !== b[i].length) { same = false; report.push('size'); break; }
      let n = 0, max = 0, x0 = 1e9, y0 = 1e9, x1 = -1, y1 = -1;
      for (let k = 0; k < a[i].length; k += 4) {
        const d = Math.max(Math.abs(a[i][k] - b[i][k]), Math.abs(a[i][k + 1] - b[i][k + 1]), Math.abs(a[i][k + 2] - b[i][k + 2]));
        if (d > 0) { n++; max = Math.max(max, d); const p = k / 4, x = p % widths[i], y = Math.floor(p / widths[i]); x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y); }
      }
      if (n) {
        same = false; report.push(`canvas ${i}: ${n} px differ (max ${max}) in x ${x0}..${x1}, y ${y0}..${y1}`);
        const url = await page.evaluate(({ a, b, w }) => {
          const h = a.length / 4 / w; const c = document.createElement('canvas'); c.width = w; c.height = h; const x = c.getContext('2d');
          const img = x.createImageData(w, h);
          for (let k = 0; k < a.length; k += 4) { const d = Math.abs(a[k] - b[k]) + Math.abs(a[k + 1] - b[k + 1]) + Math.abs(a[k + 2] - b[k + 2]); if (d) { img.data[k] = 255; img.data[k + 1] = 0; img.data[k + 2] = 0; } else { img.data[k] = b[k]; img.data[k + 1] = b[k + 1]; img.data[k + 2] = b[k + 2]; } img.data[k + 3] = 255; }
          x.putImageData(img, 0, 0); return c.toDataURL();
        }, { a: a[i], b: b[i], w: widths[i] });
        await writeFile(`/tmp/rp/diff-${name}-${wait}-${i}.png`, Buffer.from(url.split(',')[1], 'base64'));
        const crop = async (data, tag) => {
          const u = await page.evaluate(({ data, w, x0, y0 }) => {
            const h = data.length / 4 / w; const c = document.createElement('canvas'); c.width = w; c.height = h; const x = c.getContext('2d');
            const img = x.createImageData(w, h); img.data.set(data); x.putImageData(img, 0, 0);
            const z = document.createElement('canvas'); z.width = 480; z.height = 480; const zx = z.getContext('2d'); zx.imageSmoothingEnabled = false;
            zx.drawImage(c, x0, y0, 80, 80, 0, 0, 480, 480); return z.toDataURL();
          }, { data: tag === 'inc' ? a[i] : b[i], w: widths[i], x0: Math.max(0, x0 + 20), y0: Math.max(0, y0 + 20) });
          await writeFile(`/tmp/rp/crop-${name}-${wait}-${i}-${tag}.png`, Buffer.from(u.split(',')[1], 'base64'));
        };
        await crop(a[i], 'inc'); await crop(b[i], 'full');
      }
    }
    if (!same) bad++;
    await page.screenshot({ path: `/tmp/rp/val-${name}-${wait}.png` });
    console.log(name, wait, same ? 'same' : 'DIFFERENT', report.join('; '), errors.length ? errors : '');
    await context.close();
  }
}
console.log(bad ? `${bad} differ` : 'all same');
await browser.close(); await server.close();

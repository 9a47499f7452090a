import { launch } from './harness.mjs';
const browser = await launch();
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
await page.setContent('<canvas id=a width=1042 height=708></canvas>');
const r = await page.evaluate(async () => {
  const o = document.createElement('canvas'); o.width = 1042; o.height = 708;
  const s = o.getContext('2d', { alpha: false }); s.fillStyle = '#f8fafc'; s.fillRect(0, 0, 1042, 708); s.fillStyle = '#d97706'; s.fillRect(100, 100, 300, 300);
  const bmp = await createImageBitmap(o);
  const c = document.querySelector('#a').getContext('2d', { desynchronized: true, alpha: false });
  const out = {};
  const time = async (name, fn) => {
    let total = 0;
    for (let k = 0; k < 300; k++) {
      await new Promise((ok) => requestAnimationFrame(ok));
      const t0 = performance.now(); fn(); total += performance.now() - t0;
    }
    out[name] = (total / 300 * 1000).toFixed(1) + ' us/frame';
  };
  await time('fillRect x1', () => { c.fillRect(0, 0, 5, 5); });
  await time('6 drawImage canvas', () => { for (let i = 0; i < 6; i++) c.drawImage(o, i * 120, 100, 120, 120, i * 120, 100, 120, 120); });
  await time('6 drawImage bitmap', () => { for (let i = 0; i < 6; i++) c.drawImage(bmp, i * 120, 100, 120, 120, i * 120, 100, 120, 120); });
  await time('6 fillRect', () => { c.fillStyle = '#f8fafc'; for (let i = 0; i < 6; i++) c.fillRect(i * 120, 100, 120, 120); });
  await time('3 fillText chars', () => { c.fillStyle = '#000'; c.font = '600 16px monospace'; for (let i = 0; i < 3; i++) c.fillText(String(i), 900 + i * 10, 24); });
  return out;
});
console.log(r);
await browser.close();

import { launch } from './harness.mjs';
const browser = await launch();
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
await page.setContent('<canvas id=a width=1042 height=708></canvas>');
const r = await page.evaluate(async () => {
  const c = document.querySelector('#a').getContext('2d', { desynchronized: true, alpha: false });
  const atlas = document.createElement('canvas'); atlas.width = 200; atlas.height = 24;
  const a = atlas.getContext('2d'); a.font = '600 16px monospace'; a.fillStyle = '#0f172a';
  const chars = '0123456789.ts= '; for (let i = 0; i < chars.length; i++) a.fillText(chars[i], i * 12, 18);
  const out = {};
  let n = 0;
  const time = async (name, fn) => {
    let total = 0;
    for (let k = 0; k < 400; k++) {
      await new Promise((ok) => requestAnimationFrame(ok));
      const t0 = performance.now(); fn(); total += performance.now() - t0;
    }
    out[name] = (total / 400 * 1000).toFixed(1) + ' us/frame';
  };
  const text = () => 't = ' + ((n++) / 1000).toFixed(3) + ' s';
  await time('empty', () => {});
  await time('fillRect only', () => { c.fillStyle = '#f8fafc'; c.fillRect(0, 0, 10, 10); });
  await time('a: font+fill+measure', () => { c.fillStyle = '#0f172a'; c.font = '600 16px monospace'; c.textAlign = 'right'; const t = text(); c.fillText(t, 1000, 24); c.measureText(t); c.textAlign = 'start'; });
  c.font = '600 16px monospace';
  await time('b: fill only (font kept)', () => { c.fillStyle = '#0f172a'; c.fillText(text(), 1000, 24); });
  await time('b2: fill same font set', () => { c.fillStyle = '#0f172a'; c.font = '600 16px monospace'; c.fillText(text(), 1000, 24); });
  await time('c: atlas', () => { const t = text(); for (let i = 0; i < t.length; i++) { const k = chars.indexOf(t[i]); c.drawImage(atlas, k * 12, 0, 12, 24, 900 + i * 10, 6, 12, 24); } });
  c.font = '600 16px monospace'; c.textAlign = 'start';
  let prev = '';
  await time('d: changed chars', () => { const t = text(); for (let i = 0; i < t.length; i++) { if (t[i] !== prev[i]) { c.fillStyle = '#f8fafc'; c.fillRect(900 + i * 10, 6, 10, 24); c.fillStyle = '#0f172a'; c.fillText(t[i], 900 + i * 10, 24); } } prev = t; });
  await time('e: 3 single chars', () => { c.fillStyle = '#0f172a'; c.fillText('1', 900, 24); c.fillText('2', 910, 24); c.fillText('3', 920, 24); });
  return out;
});
console.log(r);
await browser.close();

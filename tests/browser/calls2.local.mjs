import { launch } from './harness.mjs';
const browser = await launch();
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
await page.setContent('<canvas id=a width=1042 height=708></canvas><canvas id=b width=1042 height=708></canvas>');
const r = await page.evaluate(async () => {
  const o = document.createElement('canvas'); o.width = 1042; o.height = 708;
  const s = o.getContext('2d', { alpha: false }); s.fillStyle = '#f8fafc'; s.fillRect(0, 0, 1042, 708);
  const c = document.querySelector('#a').getContext('2d', { desynchronized: true, alpha: false });
  const t = document.querySelector('#b').getContext('2d', { desynchronized: true });
  const out = {};
  const time = async (name, fn) => {
    const ts = [];
    for (let k = 0; k < 200; k++) {
      await new Promise((ok) => requestAnimationFrame(ok));
      const t0 = performance.now(); fn(); ts.push(performance.now() - t0);
    }
    out[name] = (ts.reduce((a, b) => a + b, 0) / ts.length * 100).toFixed(1) + " us/call";
  };
  await time('10 drawImage sub', () => { for (let i = 0; i < 10; i++) c.drawImage(o, i * 90, 100, 120, 120, i * 90, 100, 120, 120); });
  await time('10 clearRect', () => { for (let i = 0; i < 10; i++) t.clearRect(i * 90, 100, 120, 120); });
  await time('10 fillRect', () => { c.fillStyle = '#f8fafc'; for (let i = 0; i < 10; i++) c.fillRect(i * 90, 100, 120, 120); });
  await time('10 fillText', () => { c.fillStyle = '#000'; for (let i = 0; i < 10; i++) c.fillText('t = 1.234 s', i * 90, 100); });
  await time('10 setFont', () => { for (let i = 0; i < 10; i++) c.font = i % 2 ? '600 16px ui-monospace, monospace' : '600 11px system-ui, sans-serif'; });
  await time('10 measureText', () => { for (let i = 0; i < 10; i++) c.measureText('t = 1.23' + i + ' s'); });
  await time('10 arc+stroke', () => { c.strokeStyle = '#475569'; c.lineWidth = 4; for (let i = 0; i < 10; i++) { c.beginPath(); c.arc(100 + i * 50, 300, 53, -1.57, 2); c.stroke(); } });
  await time('10 setStrokeStyle', () => { for (let i = 0; i < 10; i++) c.strokeStyle = i % 2 ? '#475569' : '#dc2626'; });
  await time('full drawImage', () => { c.drawImage(o, 0, 0); });
  return out;
});
console.log(r);
await browser.close();

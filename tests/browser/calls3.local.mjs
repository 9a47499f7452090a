import { launch } from './harness.mjs';
const browser = await launch();
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
await page.setContent('<canvas id=a width=1042 height=708></canvas>');
const r = await page.evaluate(async () => {
  const c = document.querySelector('#a').getContext('2d', { desynchronized: true, alpha: false });
  const out = {};
  let n = 0;
  const time = async (name, fn) => {
    let total = 0;
    for (let k = 0; k < 300; k++) {
      await new Promise((ok) => requestAnimationFrame(ok));
      const t0 = performance.now(); fn(); total += performance.now() - t0;
    }
    out[name] = (total / 300 * 1000).toFixed(1) + ' us/frame';
  };
  const clock = (font, align) => () => { n++; c.fillStyle = '#0f172a'; c.font = font; c.textAlign = align; c.fillText('t = ' + (n / 1000).toFixed(3) + ' s', 1000, 24); c.textAlign = 'start'; };
  await time('ui-monospace right', clock('600 16px ui-monospace, monospace', 'right'));
  await time('monospace right', clock('600 16px monospace', 'right'));
  await time('monospace start', clock('600 16px monospace', 'start'));
  await time('system-ui', clock('600 16px system-ui, sans-serif', 'right'));
  c.direction = 'ltr';
  await time('ui-monospace right ltr', clock('600 16px ui-monospace, monospace', 'right'));
  await time('same string', () => { c.font = '600 16px ui-monospace, monospace'; c.fillText('t = 1.234 s', 1000, 24); });
  await time('font set only', () => { c.font = '600 16px ui-monospace, monospace'; c.font = '600 11px system-ui, sans-serif'; });
  return out;
});
console.log(r);
await browser.close();

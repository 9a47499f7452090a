import { launch } from './harness.mjs';
const browser = await launch();
const tiny = `c.clearRect(0,0,40,40); c.fillStyle='#d97706'; c.fillRect(n%30,0,5,5);`;
const canv = (w, h, opts, extra = '') => ({ html: `<div style="position:relative;width:1050px;height:714px;background:#f8fafc">${extra}<canvas id=a width=${w} height=${h} style="position:absolute;left:0;top:0"></canvas></div>`, script: `const c=document.querySelector('#a').getContext('2d', ${opts}); let n=0; function f(){n++; ${tiny} requestAnimationFrame(f)} f();` });
const cases = {
  rafOnly: { html: '<div></div>', script: `function f(){requestAnimationFrame(f)} f();` },
  big: canv(1050, 714, '{}'),
  bigDesync: canv(1050, 714, '{desynchronized:true}'),
  bigOverStatic: canv(1050, 714, '{}', '<canvas width=1050 height=714 style="position:absolute;left:0;top:0"></canvas>'),
  small200: canv(200, 40, '{}'),
  small200Desync: canv(200, 40, '{desynchronized:true}'),
};
const rounds = 3;
const res = {};
for (let r = 0; r < rounds; r++) for (const [name, { html, script }] of Object.entries(cases)) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Performance.enable');
  await page.setContent(`${html}<script>${script}</script>`);
  await page.waitForTimeout(800);
  const read = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration').value;
  const a = await read(); await page.waitForTimeout(3000); const b = await read();
  (res[name] ??= []).push(((b - a) / 3));
  await ctx.close();
}
for (const [k, v] of Object.entries(res)) console.log(k.padEnd(16), v.map((x) => x.toFixed(3)).join(' '), ' min', Math.min(...v).toFixed(3));
await browser.close();

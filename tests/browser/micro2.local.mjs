import { launch } from './harness.mjs';
const browser = await launch();
const mk = (w, h, opts = '{}') => ({ html: `<canvas id=a width=${w} height=${h} style="width:1050px;height:714px"></canvas>`, script: `const c=document.querySelector('#a').getContext('2d', ${opts}); function f(){c.fillStyle='#f8fafc';c.fillRect(0,0,20,20); c.fillStyle='#d97706';c.fillRect(Math.random()*10,0,5,5); requestAnimationFrame(f)} f();` });
const cases = {
  rafOnly: { html: '<div></div>', script: `function f(){requestAnimationFrame(f)} f();` },
  c100: mk(100, 100), c525: mk(525, 357), c1050: mk(1050, 714), c2100: mk(2100, 1428),
  c1050_noalpha: mk(1050, 714, '{alpha:false}'),
  c1050_desync: mk(1050, 714, '{desynchronized:true}'),
  c1050_wrf: mk(1050, 714, '{willReadFrequently:true}'),
  domText: { html: '<div id=t></div>', script: `const t=document.querySelector('#t'); let i=0; function f(){t.textContent='t = '+(i++); requestAnimationFrame(f)} f();` },
};
for (const [name, { html, script }] of Object.entries(cases)) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Performance.enable');
  await page.setContent(`${html}<script>${script}</script>`);
  await page.waitForTimeout(1000);
  const read = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration').value;
  const a = await read(); await page.waitForTimeout(4000); const b = await read();
  console.log(name.padEnd(16), ((b - a) / 4).toFixed(3), 's/s');
  await ctx.close();
}
await browser.close();

import { launch } from './harness.mjs';
const browser = await launch();
const W = 1050, H = 714;
const cases = {
  rafOnly: `function f(){requestAnimationFrame(f)} f();`,
  fullFill: `const c=document.querySelector('#a').getContext('2d'); function f(){c.fillStyle='#f8fafc';c.fillRect(0,0,${W},${H}); c.fillStyle='#d97706'; for(let i=0;i<20;i++){c.beginPath();c.arc(100+i*40,200+Math.random()*5,6,0,7);c.fill()} requestAnimationFrame(f)} f();`,
  clearTopOnly: `const c=document.querySelector('#b').getContext('2d'); function f(){c.clearRect(0,0,${W},${H}); c.fillStyle='#d97706'; for(let i=0;i<20;i++){c.beginPath();c.arc(100+i*40,200+Math.random()*5,6,0,7);c.fill()} requestAnimationFrame(f)} f();`,
  dirtyRects: `const c=document.querySelector('#b').getContext('2d'); let last=[]; function f(){for(const [x,y] of last) c.clearRect(x-8,y-8,16,16); last=[]; c.fillStyle='#d97706'; for(let i=0;i<20;i++){const x=100+i*40,y=200+Math.random()*5; last.push([x,y]); c.beginPath();c.arc(x,y,6,0,7);c.fill()} requestAnimationFrame(f)} f();`,
  tinyOneCanvas: `const c=document.querySelector('#a').getContext('2d'); function f(){c.fillStyle='#f8fafc';c.fillRect(0,0,20,20); c.fillStyle='#d97706';c.fillRect(Math.random()*10,0,5,5); requestAnimationFrame(f)} f();`,
  domDots: `const s=document.querySelector('#stage'); const ds=[]; for(let i=0;i<20;i++){const d=document.createElement('div'); d.style.cssText='position:absolute;left:0;top:0;width:12px;height:12px;border-radius:50%;background:#d97706'; s.appendChild(d); ds.push(d)} function f(){for(let i=0;i<20;i++){ds[i].style.transform='translate('+(100+i*40)+'px,'+(200+Math.random()*5)+'px)'} requestAnimationFrame(f)} f();`,
};
for (const [name, script] of Object.entries(cases)) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Performance.enable');
  await page.setContent(`<div id=stage style="position:relative;width:${W}px;height:${H}px"><canvas id=a width=${W} height=${H} style="position:absolute;inset:0"></canvas><canvas id=b width=${W} height=${H} style="position:absolute;inset:0"></canvas></div><script>${script}</script>`);
  await page.waitForTimeout(1000);
  const read = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration').value;
  const a = await read(); await page.waitForTimeout(4000); const b = await read();
  console.log(name.padEnd(16), ((b - a) / 4).toFixed(3), 's/s');
  await ctx.close();
}
await browser.close();

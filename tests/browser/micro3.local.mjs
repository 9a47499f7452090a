import { launch } from './harness.mjs';
const browser = await launch();
const draw = `c.fillStyle='#f8fafc';c.fillRect(0,0,1050,714); c.fillStyle='#d97706'; for(let i=0;i<20;i++){c.beginPath();c.arc(100+i*40,200+(n%100),6,0,7);c.fill()} c.font='600 16px monospace'; c.fillStyle='#000'; c.fillText('t = '+n, 900, 24);`;
const workerSrc = (mainRaf) => `onmessage=(e)=>{ if(e.data.canvas){ self.cv=e.data.canvas; self.c=cv.getContext('2d'); ${mainRaf ? '' : `let n=0; function f(){n++; ${draw} requestAnimationFrame(f)} f();`} } else { const n=e.data.n; ${draw} } };`;
const worker = (mainRaf) => ({ html: `<canvas id=a width=1050 height=714></canvas>`, script: `const w=new Worker(URL.createObjectURL(new Blob([${JSON.stringify(workerSrc(mainRaf))}],{type:'text/javascript'}))); const off=document.querySelector('#a').transferControlToOffscreen(); w.postMessage({canvas:off},[off]); ${mainRaf ? `let n=0; function f(){w.postMessage({n:n++}); requestAnimationFrame(f)} f();` : ''}` });
const cases = {
  rafOnly: { html: '<div></div>', script: `function f(){requestAnimationFrame(f)} f();` },
  main: { html: `<canvas id=a width=1050 height=714></canvas>`, script: `const c=document.querySelector('#a').getContext('2d'); let n=0; function f(){n++; ${draw} requestAnimationFrame(f)} f();` },
  desync: { html: `<canvas id=a width=1050 height=714></canvas>`, script: `const c=document.querySelector('#a').getContext('2d',{desynchronized:true}); let n=0; function f(){n++; ${draw} requestAnimationFrame(f)} f();` },
  workerRaf: worker(false),
  workerMainRaf: worker(true),
};
const rounds = 2;
const res = {};
for (let r = 0; r < rounds; r++) for (const [name, { html, script }] of Object.entries(cases)) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Performance.enable');
  await page.setContent(`${html}<script>${script}</script>`);
  await page.waitForTimeout(1000);
  const read = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration').value;
  const a = await read(); await page.waitForTimeout(3000); const b = await read();
  (res[name] ??= []).push(((b - a) / 3).toFixed(3));
  if (r === 0) { await page.screenshot({ path: `/tmp/rp/${name}-1.png` }); await page.waitForTimeout(300); await page.screenshot({ path: `/tmp/rp/${name}-2.png` }); }
  await ctx.close();
}
for (const [k, v] of Object.entries(res)) console.log(k.padEnd(16), v.join(' '), 's/s');
await browser.close();

import { launch } from './harness.mjs';
const browser = await launch();
// A stand-in for the app's static picture: background, 10 links, 8 nodes with 4 texts each.
const staticDraw = `s.fillStyle='#f8fafc';s.fillRect(0,0,1050,714); s.strokeStyle='#e2e8f0'; s.beginPath(); for(let i=0;i<10;i++){s.moveTo(100+i*50,100);s.lineTo(600,500-i*30)} s.stroke();
  s.textAlign='center'; for(let i=0;i<8;i++){const x=120+i*110,y=300; s.beginPath(); s.arc(x,y,46,0,7); s.fillStyle='#2563eb'; s.fill(); s.strokeStyle='#334155'; s.stroke(); s.fillStyle='#fff'; s.font='700 23px system-ui'; s.fillText('c'+i,x,y-5); s.font='500 14px system-ui'; s.fillText('e1',x,y+17); s.fillStyle='#0f172a'; s.font='600 13px system-ui'; s.fillText('follower',x,y+68); s.font='12px monospace'; s.fillText('LEO 18 · HW 18',x,y+85);} s.textAlign='start';`;
const dyn = `for(let i=0;i<4;i++){const x=120+i*110,y=300; c.strokeStyle='#cbd5e1'; c.lineWidth=4; c.beginPath(); c.arc(x,y,53,0,7); c.stroke(); c.strokeStyle='#475569'; c.beginPath(); c.arc(x,y,53,-1.57,-1.57+(n%100)/16); c.stroke();}
  c.fillStyle='#d97706'; for(let i=0;i<6;i++){c.beginPath();c.arc(100+i*80,200+(n%100),6,0,7);c.fill()} c.font='600 16px monospace'; c.fillStyle='#0f172a'; c.textAlign='right'; c.fillText('t = 4.'+(n%1000)+' s', 1030, 24); c.textAlign='start';`;
const html2 = `<div style="position:relative;width:1050px;height:714px"><canvas id=s width=1050 height=714 style="position:absolute;left:0;top:0"></canvas><canvas id=a width=1050 height=714 style="position:absolute;left:0;top:0"></canvas></div>`;
const cases = {
  rafOnly: { html: '<div></div>', script: `function f(){requestAnimationFrame(f)} f();` },
  fullNormal: { html: html2, script: `const s=document.querySelector('#a').getContext('2d'); const c=s; let n=0; function f(){n++; ${staticDraw} ${dyn} requestAnimationFrame(f)} f();` },
  fullDesync: { html: html2, script: `const s=document.querySelector('#a').getContext('2d',{desynchronized:true}); const c=s; let n=0; function f(){n++; ${staticDraw} ${dyn} requestAnimationFrame(f)} f();` },
  blitDesync: { html: html2, script: `const o=document.createElement('canvas'); o.width=1050; o.height=714; const s=o.getContext('2d'); ${staticDraw} const c=document.querySelector('#a').getContext('2d',{desynchronized:true}); let n=0; function f(){n++; c.drawImage(o,0,0); ${dyn} requestAnimationFrame(f)} f();` },
  layerNormal: { html: html2, script: `const s=document.querySelector('#s').getContext('2d'); ${staticDraw} const c=document.querySelector('#a').getContext('2d'); let n=0; function f(){n++; c.clearRect(0,0,1050,714); ${dyn} requestAnimationFrame(f)} f();` },
  layerDesync: { html: html2, script: `const s=document.querySelector('#s').getContext('2d'); ${staticDraw} const c=document.querySelector('#a').getContext('2d',{desynchronized:true}); let n=0; function f(){n++; c.clearRect(0,0,1050,714); ${dyn} requestAnimationFrame(f)} f();` },
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
  if (r === 0) await page.screenshot({ path: `/tmp/rp/m5-${name}.png` });
  await ctx.close();
}
for (const [k, v] of Object.entries(res)) console.log(k.padEnd(16), v.map((x) => x.toFixed(3)).join(' '), ' min', Math.min(...v).toFixed(3));
await browser.close();

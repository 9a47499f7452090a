// Local profiling aid (not committed): trace 3 s of playing and sum main-thread time by event.
import { serveDist, launch } from './harness.mjs';
const url = process.argv[2] ?? '?seed=7&controllers=5';
const server = await serveDist();
const browser = await launch();
const context = await browser.newContext({ viewport: { width: +(process.env.W ?? 1280), height: +(process.env.H ?? 800) } });
const page = await context.newPage();
const cdp = await context.newCDPSession(page);
await page.goto(server.url + url);
await page.waitForTimeout(1500);
const events = [];
cdp.on('Tracing.dataCollected', (e) => events.push(...e.value));
const done = new Promise((ok) => cdp.once('Tracing.tracingComplete', ok));
await cdp.send('Tracing.start', { categories: 'devtools.timeline,disabled-by-default-devtools.timeline,blink,cc,v8', transferMode: 'ReportEvents' });
await page.waitForTimeout(3000);
await cdp.send('Tracing.end');
await done;
// main thread = the renderer thread that runs RunTask with FunctionCall/FireAnimationFrame
const tids = {};
for (const e of events) if (e.name === 'FireAnimationFrame') tids[`${e.pid}:${e.tid}`] = 1;
const main = Object.keys(tids)[0];
const sum = {};
let top = 0;
for (const e of events) {
  if (`${e.pid}:${e.tid}` !== main || e.ph !== 'X' || !e.dur) continue;
  sum[e.name] = (sum[e.name] ?? 0) + e.dur / 1000;
  if (e.name === 'RunTask' || e.name === 'ThreadControllerImpl::RunTask') top += e.dur / 1000;
}
console.log('main', main, 'top-level task ms/s', (top / 3).toFixed(1));
const X = events.filter((e) => `${e.pid}:${e.tid}` === main && e.ph === 'X' && e.dur);
const parents = X.filter((e) => e.name === 'LayerTreeHost::DoUpdateLayers');
const inner = {};
for (const e of X) for (const p of parents) if (e !== p && e.ts >= p.ts && e.ts + e.dur <= p.ts + p.dur) { inner[e.name] = (inner[e.name] ?? 0) + e.dur / 1000; break; }
console.log('produce count/s', X.filter((e) => e.name === 'Canvas2DResourceProvider::ProduceCanvasResource').length / 3, 'frames/s', X.filter((e) => e.name === 'FireAnimationFrame').length / 3); console.log('inside DoUpdateLayers:'); for (const [k, v] of Object.entries(inner).sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log((v / 3).toFixed(2).padStart(8), k);
const other = new Set(X.map((e)=>e.tid)); console.log('threads', [...new Set(events.map(e=>e.tid))].length);
for (const [k, v] of Object.entries(sum).sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log((v / 3).toFixed(2).padStart(8), k);
await browser.close(); await server.close();

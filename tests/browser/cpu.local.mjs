import { serveDist, launch } from './harness.mjs';
const server = await serveDist();
const browser = await launch();
const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
const page = await context.newPage();
const cdp = await context.newCDPSession(page);
await page.goto(server.url + (process.argv[2] ?? '?seed=7&controllers=5'));
await page.waitForTimeout(1500);
await cdp.send('Profiler.enable');
await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
await cdp.send('Profiler.start');
await page.waitForTimeout(4000);
const { profile } = await cdp.send('Profiler.stop');
const self = {};
const dt = {};
for (let i = 0; i < profile.samples.length; i++) dt[profile.samples[i]] = (dt[profile.samples[i]] ?? 0) + (profile.timeDeltas[i] ?? 0);
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
for (const n of profile.nodes) {
  const name = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}`;
  self[name] = (self[name] ?? 0) + (dt[n.id] ?? 0) / 1000;
}
for (const [k, v] of Object.entries(self).sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log((v / 4).toFixed(2).padStart(8), k);
await browser.close(); await server.close();

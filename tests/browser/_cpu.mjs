import { serveDist, launch } from '/work/main/tests/browser/harness.mjs';
const server = await serveDist();
const browser = await launch();
async function browserCpu() {
  const cdp = await browser.newBrowserCDPSession();
  const { processInfo } = await cdp.send('SystemInfo.getProcessInfo');
  await cdp.detach();
  const by = {};
  for (const p of processInfo) by[p.type] = (by[p.type] ?? 0) + p.cpuTime;
  return by;
}
const q = process.argv[2] ?? '?seed=7&lang=en';
const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
const page = await ctx.newPage();
await page.goto(server.url + q);
await page.locator('[data-testid=play]').waitFor();
await page.waitForTimeout(3000);
const res = [];
for (let i = 0; i < 3; i++) {
  const a = await browserCpu();
  await page.waitForTimeout(6000);
  const b = await browserCpu();
  const d = {}; let tot = 0;
  for (const k of Object.keys(b)) { d[k] = ((b[k] - (a[k] ?? 0)) / 6).toFixed(3); tot += (b[k] - (a[k] ?? 0)) / 6; }
  res.push(tot.toFixed(3) + ' ' + JSON.stringify(d));
}
console.log(res.join('\n'));
await browser.close(); await server.close();

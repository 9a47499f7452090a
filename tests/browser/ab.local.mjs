// Scratch A/B: busy time of several dist dirs, interleaved. Usage: node ab.local.mjs dirA dirB ... [--query q] [--rounds n]
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { launch } from './harness.mjs';
const args = process.argv.slice(2);
let query = '?seed=7&controllers=5', rounds = 3, shots = false, crash = false;
const dirs = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--query') query = args[++i];
  else if (args[i] === '--rounds') rounds = Number(args[++i]);
  else if (args[i] === '--shots') shots = true;
  else if (args[i] === '--crash') crash = true;
  else dirs.push(args[i]);
}
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css' };
function serve(dir) {
  const server = createServer(async (req, res) => {
    try {
      let p = decodeURIComponent(new URL(req.url, 'http://x').pathname);
      if (p.endsWith('/')) p += 'index.html';
      const file = normalize(join(dir, p));
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch { res.writeHead(404); res.end(); }
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok({ url: `http://127.0.0.1:${server.address().port}/`, close: () => server.close() })));
}
const servers = await Promise.all(dirs.map(serve));
const browser = await launch();
const res = {};
for (let r = 0; r < rounds; r++) for (let d = 0; d < dirs.length; d++) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript(`window.__f=[]; const raf=window.requestAnimationFrame.bind(window); window.requestAnimationFrame=(cb)=>raf((ts)=>{const t0=performance.now(); cb(ts); window.__f.push(performance.now()-t0);});`);
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log('pageerror', e.message));
  page.on('console', (m) => { if (m.type() === 'error') console.log('console', m.text()); });
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  await page.goto(servers[d].url + query);
  await page.waitForTimeout(1500);
  if (crash) await page.locator('[data-testid=crash-controller]').click();
  await page.evaluate(() => { window.__f = []; });
  const read = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration').value;
  const a = await read(); await page.waitForTimeout(4000); const b = await read();
  const f = (await page.evaluate(() => window.__f)).sort((x, y) => x - y);
  (res[dirs[d]] ??= []).push({ busy: (b - a) / 4, med: f[Math.floor(f.length / 2)], p95: f[Math.floor(f.length * 0.95)], n: f.length });
  if (shots && r === 0) await page.screenshot({ path: `/tmp/rp/shot-${d}.png` });
  await context.close();
}
for (const [k, v] of Object.entries(res)) console.log(k.padEnd(28), 'busy', v.map((x) => x.busy.toFixed(3)).join(' '), '| frame med', v.map((x) => x.med.toFixed(2)).join(' '), '| p95', v.map((x) => x.p95.toFixed(2)).join(' '), '| n', v.map((x) => x.n).join(' '));
await browser.close(); servers.forEach((s) => s.close());

import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { launch } from './harness.mjs';
const [dir, query = '?seed=7&controllers=5'] = process.argv.slice(2);
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css' };
const server = createServer(async (req, res) => {
  try { let p = decodeURIComponent(new URL(req.url, 'http://x').pathname); if (p.endsWith('/')) p += 'index.html';
    const file = normalize(join(dir, p)); const body = await readFile(file);
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }); res.end(body);
  } catch { res.writeHead(404); res.end(); }
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const browser = await launch();
const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
const page = await context.newPage();
const cdp = await context.newCDPSession(page);
await page.goto(`http://127.0.0.1:${server.address().port}/${query}`);
await page.waitForTimeout(1500);
const events = [];
cdp.on('Tracing.dataCollected', (e) => events.push(...e.value));
const done = new Promise((ok) => cdp.once('Tracing.tracingComplete', ok));
await cdp.send('Tracing.start', { categories: 'devtools.timeline,disabled-by-default-devtools.timeline,toplevel,blink,cc,skia,v8', transferMode: 'ReportEvents' });
await page.waitForTimeout(3000);
await cdp.send('Tracing.end');
await done;
const threads = {};
for (const e of events) if (e.name === 'thread_name') threads[`${e.pid}:${e.tid}`] = e.args.name;
const sums = {};
for (const e of events) {
  if (e.ph !== 'X' || !e.dur) continue;
  const th = threads[`${e.pid}:${e.tid}`] ?? '?';
  if (th !== 'CrRendererMain') continue;
  sums[e.name] = (sums[e.name] ?? 0) + (e.tdur ?? 0) / 1000;
}
for (const [k, v] of Object.entries(sums).sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log((v / 3).toFixed(1).padStart(8), 'ms/s', k);
await browser.close(); server.close();

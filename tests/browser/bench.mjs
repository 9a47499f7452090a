// `make bench`: download size, first drawn frame, frame time and main-thread busy time, measured
// in headless Chromium against dist/. Prints figures; asserts nothing (machines here are noisy).
import { readdir, readFile, stat } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { serveDist, launch, DIST, ROOT, startDownload, traceEvents } from './harness.mjs';

const kib = (n) => (n / 1024).toFixed(1);

async function sizes() {
  const out = {};
  let total = 0;
  // Every file the page can fetch, snippets/ included.
  for (const f of await readdir(DIST, { recursive: true })) {
    if (!(await stat(join(DIST, f))).isFile()) continue;
    const body = await readFile(join(DIST, f));
    const gz = gzipSync(body, { level: 9 }).length;
    const kind = f.startsWith('course') ? 'course' : f.startsWith('snippets/split') ? 'chunks' : f.endsWith('.wasm') ? 'wasm' : f.endsWith('.js') ? 'js' : f.endsWith('.css') ? 'css' : f.endsWith('.html') ? 'html' : 'other';
    out[kind] = (out[kind] ?? 0) + gz;
    total += gz;
  }
  return { ...out, total };
}

// Time every timer callback on the page: the app's simulation tick (a few times a second; the
// moving layer is animated by a worker between ticks, so the page has no per-frame callback).
// Any requestAnimationFrame callback on the page is timed too (the fallback without a worker).
const TICK_TIMER = `
  window.__ticks = [];
  window.__pageFrames = 0;
  const timeout = window.setTimeout.bind(window);
  window.setTimeout = (cb, ms, ...args) => timeout(() => {
    const t0 = performance.now();
    cb(...args);
    window.__ticks.push(performance.now() - t0);
  }, ms);
  const raf = window.requestAnimationFrame.bind(window);
  window.requestAnimationFrame = (cb) => raf((ts) => { window.__pageFrames++; cb(ts); });
`;

// Chromium's layout-shift entries (without recent input), added up: the page's CLS so far.
const LAYOUT_SHIFTS = `
  window.__shift = 0;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (!e.hadRecentInput) window.__shift += e.value;
  }).observe({ type: 'layout-shift', buffered: true });
`;

/** CPU time of every Chromium process (browser, renderers, GPU, utilities), in s. */
async function browserCpu(browser) {
  const cdp = await browser.newBrowserCDPSession();
  const { processInfo } = await cdp.send('SystemInfo.getProcessInfo');
  await cdp.detach();
  return processInfo.reduce((sum, p) => sum + p.cpuTime, 0);
}

async function cpuPerSecond(browser, page, seconds) {
  const a = await browserCpu(browser);
  await page.waitForTimeout(seconds * 1000);
  return (await browserCpu(browser) - a) / seconds;
}

async function busyPerSecond(page, cdp, seconds) {
  const read = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration').value;
  const a = await read();
  await page.waitForTimeout(seconds * 1000);
  const b = await read();
  return (b - a) / seconds;
}

// The stage's moving layer is drawn by a worker: trace a few seconds and add up the tasks run
// on the page's main thread and on dedicated worker threads, so the figures show both. Also
// each animation frame the workers drew, and how long its task took.
async function threadBusy(cdp, page, seconds) {
  const events = await traceEvents(cdp, page, 'toplevel,devtools.timeline,disabled-by-default-devtools.timeline,__metadata', seconds * 1000);
  const names = new Map(events.filter((e) => e.name === 'thread_name').map((e) => [`${e.pid}:${e.tid}`, e.args.name]));
  const thread = (e) => names.get(`${e.pid}:${e.tid}`) ?? '';
  // Tasks per thread, as the union of their spans (task events can nest).
  const spans = new Map();
  for (const e of events) {
    if (e.ph !== 'X' || !e.dur || !['ThreadControllerImpl::RunTask', 'RunTask'].includes(e.name)) continue;
    const key = `${e.pid}:${e.tid}`;
    if (!spans.has(key)) spans.set(key, []);
    spans.get(key).push([e.ts, e.ts + e.dur]);
  }
  const merged = new Map();
  for (const [key, list] of spans) {
    list.sort((x, y) => x[0] - y[0]);
    const out = [];
    for (const [a, b] of list) {
      if (out.length && a <= out.at(-1)[1]) out.at(-1)[1] = Math.max(out.at(-1)[1], b);
      else out.push([a, b]);
    }
    merged.set(key, out);
  }
  const busy = { main: 0, worker: 0 };
  for (const [key, list] of merged) {
    const total = list.reduce((sum, [a, b]) => sum + (b - a) / 1e6, 0);
    if (names.get(key) === 'CrRendererMain') busy.main += total;
    else if ((names.get(key) ?? '').startsWith('DedicatedWorker')) busy.worker += total;
  }
  // A worker's frame: the task in which its animation-frame callbacks ran.
  const frames = events
    .filter((e) => e.name === 'FireAnimationFrame' && thread(e).startsWith('DedicatedWorker'))
    .map((f) => (merged.get(`${f.pid}:${f.tid}`) ?? []).find(([a, b]) => a <= f.ts && f.ts <= b))
    .filter(Boolean)
    .map(([a, b]) => (b - a) / 1000);
  return { main: busy.main / seconds, worker: busy.worker / seconds, frames };
}

const pct = (xs, p) => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
};

/** Every response a page fetches until `ready` and 500 ms more, gzip -9 (the bodies as served). */
async function responsesGzip(browser, url, ready) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const bodies = [];
  page.on('response', (r) => bodies.push(r.body().then((b) => gzipSync(b, { level: 9 }).length).catch(() => 0)));
  await page.goto(url);
  await ready(page);
  await page.waitForTimeout(500);
  const total = (await Promise.all(bodies)).reduce((a, b) => a + b, 0);
  await context.close();
  return total;
}

/** The same measures for Quorum Lab and a local copy of RaftScope (`RAFTSCOPE=/path make bench`;
 * public: ongardie/raftscope with its two submodules, never committed here), in one run, and
 * their ratios, which move less with the machine than the figures do. */
async function compareWithRaftScope(browser, root) {
  const other = await serveDist({ root });
  const apps = [
    ['Quorum Lab', `${server.url}?seed=7`, (page) => page.locator('[data-testid=play]').waitFor()],
    ['RaftScope', other.url, (page) => page.locator('svg').first().waitFor()],
  ];
  const out = {};
  for (const [name, url, ready] of apps) {
    const download = await responsesGzip(browser, url, ready);
    const paints = [];
    for (let i = 0; i < 7; i++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      await page.goto(url);
      await ready(page);
      await page.waitForTimeout(300);
      paints.push(await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN));
      await context.close();
    }
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    await page.goto(url);
    await ready(page);
    await page.waitForTimeout(2000);
    const cpu = [];
    const main = [];
    for (let i = 0; i < 3; i++) {
      main.push(await busyPerSecond(page, cdp, 5));
      cpu.push(await cpuPerSecond(browser, page, 10));
    }
    await context.close();
    out[name] = { download, paint: pct(paints, 50), main: pct(main, 50), cpu: pct(cpu, 50) };
    console.log(`${name}: download ${kib(download)} KiB (gzip -9 of every response); first contentful paint median ${out[name].paint.toFixed(0)} ms; main thread busy while playing ${out[name].main.toFixed(3)} s/s; all Chromium processes ${out[name].cpu.toFixed(3)} s/s (median of 3 × 10 s)`);
  }
  const q = out['Quorum Lab'];
  const r = out.RaftScope;
  console.log(`ratios, Quorum Lab / RaftScope: download ${(q.download / r.download).toFixed(2)}, first contentful paint ${(q.paint / r.paint).toFixed(2)}, main thread ${(q.main / r.main).toFixed(2)}, all processes ${(q.cpu / r.cpu).toFixed(2)}`);
  await other.close();
}

const server = await serveDist();
const browser = await launch();
try {
  if (process.env.RAFTSCOPE) await compareWithRaftScope(browser, process.env.RAFTSCOPE);
  const s = await sizes();
  console.log(`download (gzip -9): wasm ${kib(s.wasm)} KiB, js ${kib(s.js)} KiB, css ${kib(s.css ?? 0)} KiB, html ${kib(s.html)} KiB, total ${kib(s.total)} KiB`);
  // Fetched only when the course opens (the structure and one language's words).
  console.log(`the course's files (gzip -9, fetched when it opens): ${kib(s.course ?? 0)} KiB for the structure and both languages`);
  console.log(`the split chunks (gzip -9: the course's and the experiments' code, ZooKeeper mode's engine, the closed panels' bodies and the Korean words, fetched when needed) and their loader: ${kib(s.chunks ?? 0)} KiB`);

  const budget = JSON.parse(await readFile(join(ROOT, 'tests', 'budget.json'), 'utf8'));
  const start = await startDownload(browser, server.url);
  console.log(`loaded at start (gzip -9): ${kib(start.total)} KiB in ${start.files.length} files; budget ${kib(budget.start_gzip_bytes)} KiB`);

  const firsts = [];
  const starts = [];
  const paints = [];
  const shifts = [];
  for (let i = 0; i < 11; i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript(LAYOUT_SHIFTS);
    const page = await context.newPage();
    await page.goto(`${server.url}?seed=7`);
    await page.waitForFunction(() => performance.getEntriesByName('qlab-first-frame').length > 0);
    // The panels come one frame after the first picture: let them land too.
    await page.locator('[data-testid=play]').waitFor();
    await page.waitForTimeout(300);
    firsts.push(await page.evaluate(() => performance.getEntriesByName('qlab-first-frame')[0].startTime));
    starts.push(await page.evaluate(() => performance.getEntriesByName('qlab-start')[0]?.startTime ?? NaN));
    paints.push(await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN));
    shifts.push(await page.evaluate(() => window.__shift));
    await context.close();
  }
  console.log(`first contentful paint: median ${pct(paints, 50).toFixed(0)} ms (runs: ${paints.map((x) => x.toFixed(0)).join(', ')}); layout shift score: median ${pct(shifts, 50).toFixed(4)}, worst ${Math.max(...shifts).toFixed(4)}`);
  console.log(`first drawn frame: median ${pct(firsts, 50).toFixed(0)} ms (runs: ${firsts.map((x) => x.toFixed(0)).join(', ')}); the wasm starts running at median ${pct(starts, 50).toFixed(0)} ms`);

  {
    // Side by side, the largest clusters: 7 ZooKeeper servers, 5 controllers, 6 brokers a side.
    const context = await browser.newContext({ viewport: { width: 1600, height: 900 } });
    await context.addInitScript(TICK_TIMER);
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    await page.goto(`${server.url}?mode=both&seed=7&ensemble=7&controllers=5&brokers=6`);
    await page.waitForTimeout(1500);
    await page.evaluate(() => { window.__ticks = []; window.__pageFrames = 0; });
    const busy = await busyPerSecond(page, cdp, 5);
    const ticks = await page.evaluate(() => window.__ticks);
    const pageFrames = await page.evaluate(() => window.__pageFrames);
    const flying = await page.evaluate(() => document.querySelectorAll('[data-testid=stage]').length);
    console.log(`side by side (7 ZooKeeper servers, 5 controllers, 6 brokers a side; ${flying} stages): main thread busy ${busy.toFixed(3)} s per s; simulation tick median ${pct(ticks, 50).toFixed(2)} ms, p95 ${pct(ticks, 95).toFixed(2)} ms over ${ticks.length} ticks; ${pageFrames} animation frames on the page`);
    console.log(`  all Chromium processes while playing side by side: ${(await cpuPerSecond(browser, page, 5)).toFixed(3)} s of CPU per s`);
    const threads = await threadBusy(cdp, page, 3);
    console.log(`  traced: main thread ${threads.main.toFixed(3)} s per s, drawing workers ${threads.worker.toFixed(3)} s per s; a worker's frame median ${pct(threads.frames, 50).toFixed(2)} ms, p95 ${pct(threads.frames, 95).toFixed(2)} ms over ${threads.frames.length} frames (both stages)`);
    await context.close();
  }

  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript(TICK_TIMER);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  await page.goto(`${server.url}?seed=7&controllers=5`);
  await page.waitForTimeout(1500);
  await page.evaluate(() => { window.__ticks = []; });
  const playing = await busyPerSecond(page, cdp, 5);
  const ticks = await page.evaluate(() => window.__ticks);
  console.log(`main thread busy while playing (5 controllers): ${playing.toFixed(3)} s per s; simulation tick median ${pct(ticks, 50).toFixed(2)} ms, p95 ${pct(ticks, 95).toFixed(2)} ms over ${ticks.length} ticks`);
  console.log(`  all Chromium processes while playing (5 controllers): ${(await cpuPerSecond(browser, page, 5)).toFixed(3)} s of CPU per s`);
  const threads = await threadBusy(cdp, page, 3);
  console.log(`  traced: main thread ${threads.main.toFixed(3)} s per s, drawing worker ${threads.worker.toFixed(3)} s per s; its frame median ${pct(threads.frames, 50).toFixed(2)} ms, p95 ${pct(threads.frames, 95).toFixed(2)} ms over ${threads.frames.length} frames`);
  await page.locator('[data-testid=play]').click();
  await page.waitForTimeout(500);
  console.log(`main thread busy while paused: ${(await busyPerSecond(page, cdp, 5)).toFixed(3)} s per s; all Chromium processes: ${(await cpuPerSecond(browser, page, 5)).toFixed(3)} s per s`);
  await page.locator('[data-testid=play]').click();
  await page.evaluate(() => {
    Object.defineProperty(document, 'hidden', { value: true, configurable: true });
    Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  await page.waitForTimeout(500);
  console.log(`main thread busy while hidden: ${(await busyPerSecond(page, cdp, 5)).toFixed(3)} s per s; all Chromium processes: ${(await cpuPerSecond(browser, page, 5)).toFixed(3)} s per s`);
  await context.close();
} finally {
  await browser.close();
  await server.close();
}

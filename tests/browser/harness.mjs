// Shared test harness: serves dist/ on a free loopback port, launches Debian's Chromium through
// playwright-core, and records console errors and page crashes.
import { createServer } from 'node:http';
import { readFile, mkdir } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { extname, join, normalize, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, after } from 'node:test';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(here, '..', '..');
export const DIST = join(ROOT, 'dist');
export const SHOTS = join(ROOT, 'out', 'screenshots');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain; charset=utf-8',
};

/** Serves dist/ (or `root`) on a free loopback port; under `prefix` (`/docs/quorumlab`) if given, where the
 * folder's own address without its trailing slash gets index.html as well (no redirect). */
export async function serveDist({ prefix = '', root = DIST } = {}) {
  const server = createServer(async (req, res) => {
    try {
      let path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
      if (prefix) {
        if (path === prefix) path = '/';
        else if (path.startsWith(`${prefix}/`)) path = path.slice(prefix.length);
        else throw new Error('outside the folder');
      }
      let file = normalize(join(root, path));
      if (!file.startsWith(root)) throw new Error('outside dist');
      if (path.endsWith('/')) file = join(file, 'index.html');
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end('not found');
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}${prefix}/`, port, close: () => new Promise((ok) => server.close(ok)) };
}

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

export async function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic',
    ],
  });
}

/** A page that records console errors, uncaught exceptions and crashes in `page.problems`. */
export async function openPage(browser, url, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, ...options });
  const page = await context.newPage();
  page.problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error') page.problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => page.problems.push(`pageerror: ${e.message}`));
  page.on('crash', () => page.problems.push('page crashed'));
  await page.goto(url);
  // The wasm starts after the page's load event: wait until the app is on the page.
  await page.locator('main.app').waitFor({ state: 'attached' });
  // The controls and the panels come one frame after the first picture.
  await page.waitForFunction(() => !document.querySelector('main.app') || document.querySelector('main.app > section.panel, [data-testid=play]'));
  return page;
}

export async function screenshot(page, name) {
  await mkdir(SHOTS, { recursive: true });
  const file = join(SHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Accessible node buttons: [{name, label, role}] read from the DOM (not canvas pixels). */
export async function nodes(page) {
  return page.$$eval('.node-hit', (els) =>
    els.map((e) => ({ name: e.dataset.node, role: e.dataset.role, label: e.getAttribute('aria-label') })),
  );
}

/** Poll `fn` every 100 ms until it is true; fail after `timeout` ms naming `what`. */
export async function waitUntil(fn, timeout = 30000, what = 'condition') {
  const start = Date.now();
  for (;;) {
    if (await fn()) return;
    if (Date.now() - start > timeout) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function waitForRole(page, role, { timeout = 15000, not } = {}) {
  const start = Date.now();
  for (;;) {
    const found = (await nodes(page)).find((n) => n.role === role && n.name !== not);
    if (found) return found;
    if (Date.now() - start > timeout) throw new Error(`no node became ${role} within ${timeout} ms`);
    await page.waitForTimeout(100);
  }
}

/** One server and one browser for a test file: `env.url`, `env.browser`. */
export function useBrowser() {
  const env = {};
  before(async () => {
    env.server = await serveDist();
    env.url = env.server.url;
    env.browser = await launch();
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.close();
  });
  return env;
}

/** The gzip -9 size of every file the page fetches while it starts (until the panels are up). */
export async function startDownload(browser, url) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const files = new Set();
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.protocol.startsWith('http')) files.add(decodeURIComponent(u.pathname));
  });
  await page.goto(`${url}?seed=7`);
  await page.locator('[data-testid=play]').waitFor();
  await page.waitForTimeout(500);
  await context.close();
  let total = 0;
  const sized = [];
  for (const f of files) {
    const path = join(DIST, f.endsWith('/') ? `${f}index.html` : f);
    const gz = gzipSync(await readFile(path), { level: 9 }).length;
    sized.push([f, gz]);
    total += gz;
  }
  return { total, files: sized };
}


/** Chromium's trace events (of every process) in `categories`, recorded over `ms` of `page`'s
 * life, through `cdp` (a browser's or a page's CDP session). */
export async function traceEvents(cdp, page, categories, ms) {
  const events = [];
  const onData = (e) => events.push(...e.value);
  cdp.on('Tracing.dataCollected', onData);
  const done = new Promise((ok) => cdp.once('Tracing.tracingComplete', ok));
  await cdp.send('Tracing.start', { categories, transferMode: 'ReportEvents' });
  await page.waitForTimeout(ms);
  await cdp.send('Tracing.end');
  await done;
  cdp.off('Tracing.dataCollected', onData);
  return events;
}

// dist/ copied under a folder of another site: the page finds its files by relative URLs, with
// or without the folder's trailing slash, and embedded in a page of another origin.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { serveDist, launch, openPage, waitForRole, nodes, screenshot } from './harness.mjs';

const env = {};
before(async () => {
  env.site = await serveDist({ prefix: '/docs/quorumlab' });
  env.browser = await launch();
});
after(async () => {
  await env.browser?.close();
  await env.site?.close();
});

/** The basic flow: a leader is elected, crashing it elects another. */
async function crashTheLeader(page) {
  const leader = await waitForRole(page, 'leader');
  await page.locator(`.node-hit[data-node="${leader.name}"]`).click();
  const next = await waitForRole(page, 'leader', { not: leader.name });
  assert.notEqual(next.name, leader.name);
}

for (const [what, address] of [
  ['with the trailing slash', (u) => `${u}?seed=7&lang=en`],
  ['without the trailing slash', (u) => `${u.replace(/\/$/, '')}?seed=7&lang=en`],
]) {
  test(`dist/ under a folder of a site, ${what}: the page loads and a crashed leader is replaced`, async () => {
    const page = await openPage(env.browser, address(env.site.url));
    await crashTheLeader(page);
    assert.ok((await nodes(page)).length >= 6);
    assert.deepEqual(page.problems, []);
    await page.context().close();
  });
}

test('embedded from a page of another origin, the app runs in its frame', async () => {
  // The host page: another port, so another origin.
  const frameSrc = `${env.site.url}?embed=1&seed=7&lang=en`;
  const host = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>Docs</title><h1>Docs</h1><iframe src="${frameSrc}" width="480" height="320" style="border:0"></iframe>`);
  });
  await new Promise((ok) => host.listen(0, 'localhost', ok));
  const context = await env.browser.newContext({ viewport: { width: 800, height: 600 } });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(`http://localhost:${host.address().port}/`);
  const frame = page.frameLocator('iframe');
  await frame.locator('[data-testid=play]').waitFor();
  const roles = () => frame.locator('.node-hit').evaluateAll((els) => els.map((e) => e.dataset.role));
  for (let i = 0; i < 100 && !(await roles()).includes('leader'); i++) await page.waitForTimeout(100);
  assert.ok((await roles()).includes('leader'), 'a leader is elected in the frame');
  await screenshot(page, 'deploy-embed-other-origin');
  assert.deepEqual(problems, []);
  await context.close();
  await new Promise((ok) => host.close(ok));
});

/** Where the header's title, the tagline, each stage, its heading and its sizes are, in CSS
 * pixels (a function the page runs). */
function boxes() {
  return ['h1', '.tagline', '.stage', '.side-head h2', '.sizes', '.lang button'].flatMap((sel) =>
    [...document.querySelectorAll(sel)].map((e) => {
      const r = e.getBoundingClientRect();
      return `${sel} ${Math.round(r.x)},${Math.round(r.y)} ${Math.round(r.width)}×${Math.round(r.height)}`;
    }),
  );
}
// The app's first picture: the boxes at the moment the app removes the shell (its panels come
// later, below each stage).
const FIRST_BOXES = `(${boxes})
  new MutationObserver((changes, observer) => {
    if (changes.some((c) => [...c.removedNodes].some((n) => n.id === 'shell'))) {
      window.__firstBoxes = (${boxes})();
      observer.disconnect();
    }
  }).observe(document, { childList: true, subtree: true });`;

for (const [width, height] of [[1280, 800], [390, 844]]) {
  for (const query of ['?seed=7&lang=en', '?mode=both&seed=7&lang=ko', '?mode=zk&lang=ko']) {
    test(`the shell shown while the app loads is laid out as the app's first picture (${width}×${height}, ${query})`, async () => {
      const url = `${env.site.url}${query}`;
      // The shell alone: the app's wasm never arrives.
      const context = await env.browser.newContext({ viewport: { width, height } });
      const shellPage = await context.newPage();
      await shellPage.route('**/*.wasm', (route) => route.abort());
      await shellPage.goto(url);
      await shellPage.locator('#shell .stage').first().waitFor();
      const shell = await shellPage.evaluate(boxes);
      await screenshot(shellPage, `shell-${width}-${query.replace(/\W+/g, '-')}`);
      // The app, before its panels come (they come below the stages).
      const page = await context.newPage();
      await page.addInitScript(FIRST_BOXES);
      await page.goto(url);
      await page.locator('main.app:not(#shell) .node-hit').first().waitFor();
      assert.equal(await page.locator('#shell').count(), 0, 'the app took the shell\'s place');
      assert.deepEqual(await page.evaluate(() => window.__firstBoxes), shell);
      await context.close();
    });
  }
}

// Where no Korean font is installed (this machine), finding a font for Hangul doubled the first
// frame's layout: an English page's shell paints first without the Korean label, which comes
// once that paint is on screen, in a box that does not change.
test('the English shell paints first without Hangul; the Korean label follows in the same box', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.route('**/*.wasm', (route) => route.abort());
  const page = await context.newPage();
  await page.addInitScript(() => {
    requestAnimationFrame(() => {
      const shell = document.getElementById('shell');
      window.__firstText = shell ? shell.innerText : null;
      window.__firstBox = JSON.stringify(document.querySelector('.lang button:last-child').getBoundingClientRect());
    });
  });
  await page.goto(`${env.site.url}?seed=7&lang=en`);
  await page.waitForFunction(() => document.querySelector('.lang button:last-child').textContent === '한국어');
  const first = await page.evaluate(() => window.__firstText);
  // The label came after the first contentful paint.
  assert.ok(await page.evaluate(() => performance.getEntriesByName('first-contentful-paint').length === 1));
  assert.match(first, /Quorum Lab/);
  assert.doesNotMatch(first, /[\uac00-\ud7a3]/, 'no Hangul in the first frame');
  const now = await page.evaluate(() => JSON.stringify(document.querySelector('.lang button:last-child').getBoundingClientRect()));
  assert.equal(now, await page.evaluate(() => window.__firstBox));
  // A Korean page shows its label at once.
  await page.goto(`${env.site.url}?seed=7&lang=ko`);
  assert.equal(await page.evaluate(() => window.__firstText.includes('한국어')), true);
  await context.close();
});

// Korean's words are a chunk of their own (src/i18n.rs): an English page never downloads them,
// the switch fetches them the first time, and a Korean page fetches them before it mounts. If
// they cannot be fetched, the page says so and keeps working in English.
// A page of `query` in a context of its own, up to its Play button, with every path it fetches.
async function recording(query) {
  const context = await env.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const fetched = [];
  page.on('request', (r) => fetched.push(new URL(r.url()).pathname));
  await page.goto(`${env.site.url}${query}`);
  await page.locator('[data-testid=play]').waitFor();
  return { context, page, fetched };
}

// A page in a context of its own whose requests for `blocked` (a glob of chunks, or none) fail,
// as on a host that did not copy them or a dropped connection; `problems` collects page errors
// and panics.
async function blocking(blocked, options = {}) {
  const context = await env.browser.newContext(options);
  if (blocked) await context.route(blocked, (route) => route.abort());
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => m.type() === 'error' && /panicked|unreachable/.test(m.text()) && problems.push(m.text()));
  return { context, page, problems };
}

test('an English page does not download the Korean words; the switch fetches them, a Korean page has them at once', async () => {
  const { context, page, fetched } = await recording('?seed=7&lang=en');
  await page.waitForTimeout(300);
  const chunks = () => fetched.filter((f) => f.endsWith('split_ko.wasm'));
  assert.deepEqual(chunks(), [], 'no Korean chunk at start');
  // Nor the chunks' loader (scripts/defer-loader.mjs): the first chunk brings it, once.
  const loader = () => fetched.filter((f) => f.endsWith('/snippets/split/__wasm_split.js'));
  assert.deepEqual(loader(), [], 'no loader at start');
  await page.getByRole('button', { name: '한국어' }).click();
  await page.waitForFunction(() => document.documentElement.lang === 'ko' || /시뮬레이션/.test(document.querySelector('.tagline')?.textContent ?? ''));
  assert.match(await page.locator('.tagline').textContent(), /KRaft와 ZooKeeper 시뮬레이션/);
  assert.equal(chunks().length, 1);
  await page.getByRole('button', { name: 'English' }).click();
  await page.getByRole('button', { name: '한국어' }).click();
  assert.match(await page.locator('.tagline').textContent(), /시뮬레이션/);
  assert.equal(chunks().length, 1, 'fetched once');
  await page.locator('[data-testid=help]').click();
  await page.locator('[data-testid=help-overlay]').waitFor();
  assert.equal(loader().length, 1, 'the loader, with the Korean words, and not again for the next chunk');
  // A Korean page: Korean from its first picture. It needs the Korean chunk before it mounts,
  // so it fetches the loader with the page (a modulepreload link of the shell), once; the
  // English page above has no such link.
  assert.equal(await page.locator('link[rel=modulepreload][href$="__wasm_split.js"]').count(), 0);
  const ko = await context.newPage();
  const koFetched = [];
  ko.on('request', (r) => koFetched.push(new URL(r.url()).pathname));
  await ko.goto(`${env.site.url}?seed=7&lang=ko`);
  await ko.locator('[data-testid=play]').waitFor();
  assert.match(await ko.locator('[data-testid=play]').textContent(), /재생|일시정지/);
  assert.equal(await ko.locator('link[rel=modulepreload][href$="__wasm_split.js"]').count(), 1);
  assert.equal(koFetched.filter((f) => f.endsWith('/snippets/split/__wasm_split.js')).length, 1);
  await context.close();
});

test('only a page whose address carries actions fetches the scenario parser, and it then plays them', async () => {
  const { context, page, fetched } = await recording('?seed=7&lang=en');
  const parser = () => fetched.filter((f) => f.endsWith('split_script.wasm'));
  // An action writes itself into the address: writing needs no parser.
  await page.locator('.node-hit[data-node=b1]').click();
  await page.waitForFunction(() => /crash/.test(decodeURIComponent(location.search)));
  assert.deepEqual(parser(), [], 'no parser on a page opened without actions');
  // That address opened again: the parser first, then its crash happens as it plays.
  await page.reload();
  await page.locator('[data-testid=play]').waitFor();
  assert.equal(parser().length, 1);
  await page.waitForFunction(() => document.querySelector('.node-hit[data-node=b1]')?.dataset.role === 'down', null, { timeout: 30000 });
  await context.close();
});

// The Korean chunk blocked, or the chunks' loader (scripts/defer-loader.mjs), which comes with
// the first chunk a page wants rather than with the page: the same words either way.
for (const [what, blocked, asks] of [
  ['Korean words', '**/split_ko.wasm', 2],
  ['The chunks\' loader', '**/__wasm_split.js', 0],
]) {
  test(`${what} that cannot be fetched: the page says so and works in English`, async () => {
    const { context, page, problems } = await blocking(blocked, { viewport: { width: 1280, height: 800 } });
    let asked = 0;
    page.on('request', (r) => r.url().endsWith('split_ko.wasm') && asked++);
    await page.goto(`${env.site.url}?seed=7&lang=en`);
    await page.locator('[data-testid=play]').waitFor();
    await page.getByRole('button', { name: '한국어' }).click();
    await page.locator('[data-testid=lang-failed]').waitFor();
    assert.match(await page.locator('[data-testid=lang-failed]').textContent(), /could not be loaded/);
    assert.match(await page.locator('.tagline').textContent(), /simulated/);
    // A Korean page without them: told in Korean, the rest in English, and it plays.
    await page.goto(`${env.site.url}?seed=7&lang=ko`);
    await page.locator('[data-testid=lang-failed]').waitFor();
    assert.match(await page.locator('[data-testid=lang-failed]').textContent(), /한국어 텍스트를 불러오지 못해/);
    await page.locator('[data-testid=play]').click();
    await page.waitForTimeout(500);
    assert.deepEqual(problems, []);
    // Asked for once on each page (the switch, then the Korean page's start), not once per word;
    // never without the loader.
    assert.equal(asked, asks);
    // Once the files can be fetched again, the next chunk comes (the loader too, at an address
    // of its own: Chromium remembers a module that failed to fetch).
    await context.unroute(blocked);
    await page.locator('[data-testid=help]').click();
    await page.locator('[data-testid=help-overlay] dl').waitFor();
    assert.deepEqual(problems, []);
    await context.close();
  });
}

// What only a view that comes in a chunk shows is styled by a style that comes with it
// (styles/course.css, experiments.css, panels.css; src/lazy.rs): not in the page at start.
test('the course\'s and the closed panels\' style comes with their chunks', async () => {
  const { context, page } = await recording('?seed=7&lang=en');
  const rules = () =>
    page.evaluate(() =>
      [...document.styleSheets].flatMap((s) => [...s.cssRules].map((r) => r.cssText)).filter((t) => /\.lesson|\.help dl|\.exp-chart/.test(t)),
    );
  assert.deepEqual(await rules(), [], 'none of it at start');
  await page.locator('[data-testid=help]').click();
  const help = page.locator('[data-testid=help-overlay]');
  await help.waitFor();
  assert.equal(await help.locator('dl').evaluate((e) => getComputedStyle(e).display), 'grid');
  assert.equal(await page.locator('style#panels-style').count(), 1);
  // The course on a laptop: its step's panel is fixed beside the stages.
  await page.goto(`${env.site.url}?course=kraft&step=1&lang=en`);
  const lesson = page.locator('[data-testid=lesson]');
  await lesson.waitFor({ timeout: 30000 });
  assert.equal(await lesson.evaluate((e) => getComputedStyle(e).position), 'fixed');
  assert.equal(await page.locator('style#course-style').count(), 1);
  await context.close();
});

// A chunk that cannot be fetched (a host that did not copy snippets/, a dropped connection):
// the page says so, translated, with a way to the simulation, and nothing panics.
for (const [what, query, lang, words] of [
  ['ZooKeeper mode\'s engine', '?mode=zk&lang=ko', 'ko', /이 화면을 불러오지 못했습니다/],
  ['side by side (needs the ZooKeeper engine)', '?mode=both&lang=en', 'en', /could not be loaded/],
  ['the course', '?course=kraft&lang=en', 'en', /could not be loaded/],
  ['a link with actions (needs the scenario parser)', '?seed=7&s=at+2s+crash+leader&lang=en', 'en', /could not be loaded/],
]) {
  test(`${what}: a chunk that cannot be fetched is told, translated, and the sandbox link works`, async () => {
    const { context, page, problems } = await blocking('**/snippets/split/*.wasm');
    await page.goto(`${env.site.url}${query}`);
    const told = page.locator('[data-testid=problems]');
    await told.waitFor({ timeout: 30000 });
    assert.match(await told.innerText(), words);
    assert.deepEqual(problems, []);
    // The KRaft sandbox needs no chunk: its link opens it.
    await told.locator('a').click();
    await page.locator('[data-testid=play]').waitFor({ timeout: 30000 });
    assert.equal(new URL(page.url()).searchParams.get('lang'), lang);
    assert.deepEqual(problems, []);
    await context.close();
  });
}

test('an address with a problem says it in words fetched with the parser; without them, that it could not load them', async () => {
  const words = async (blocked, query = '?seed=banana&mode=nope&lang=en') => {
    const { context, page, problems } = await blocking(blocked && '**/snippets/split/*.wasm');
    const fetched = [];
    context.on('request', (r) => fetched.push(new URL(r.url()).pathname));
    await page.goto(`${env.site.url}${query}`);
    const told = page.locator('[data-testid=problems]');
    await told.waitFor({ timeout: 30000 });
    const text = await told.innerText();
    const lines = await told.locator('li').count();
    // The page plays on either way.
    await page.locator('[data-testid=play]').click();
    await page.waitForTimeout(300);
    assert.deepEqual(problems, []);
    await context.close();
    return { text, lines, parser: fetched.some((p) => p.endsWith('/split_script.wasm')) };
  };
  const fetched = await words(false);
  assert.match(fetched.text, /The seed "banana" is not a whole number/);
  assert.match(fetched.text, /Unknown mode "nope"/);
  assert.ok(fetched.parser, 'the parser chunk (with the problems\' words) was fetched');
  // Both problems' words missing: said once.
  const blocked = await words(true);
  assert.match(blocked.text, /could not be loaded/);
  assert.doesNotMatch(blocked.text, /param\./);
  assert.equal(blocked.lines, 1);
  // A parameter the page does not know (links pick up trackers') is told at once, with no fetch.
  const tracker = await words(false, '?seed=7&fbclid=abc&lang=en');
  assert.match(tracker.text, /Unknown parameter "fbclid" was ignored/);
  assert.equal(tracker.parser, false);
});

test('a closed panel fetches its body when first opened; if it cannot, it says so in the panel and the page keeps running', async () => {
  // Fetched when opened: nothing of it is in the page before.
  let page = await openPage(env.browser, `${env.site.url}?seed=7&lang=en`);
  assert.equal(await page.locator('[data-testid=inspect-select]').count(), 0);
  // The details' settings field and the keyboard shortcuts come with the same chunk.
  assert.equal(await page.locator('[data-testid=settings-input]').count(), 0);
  await page.locator('[data-testid=details] summary').click();
  await page.locator('[data-testid=settings-input]').waitFor();
  assert.equal(await page.locator('[data-testid=settings-apply]').textContent(), 'Apply (restarts from 0)');
  await page.locator('[data-testid=help]').click();
  await page.locator('[data-testid=help-overlay]').waitFor();
  // Their words come with it: none is shown as its key.
  assert.match(await page.locator('[data-testid=help-overlay]').innerText(), /previous event/);
  assert.doesNotMatch(await page.locator('[data-testid=help-overlay]').innerText(), /help\./);
  await page.keyboard.press('Escape');
  // The ready-made scenarios' list and its words too (its summary is there from the start).
  const scenarios = page.locator('[data-testid=scenarios]');
  assert.equal(await scenarios.locator('li').count(), 0);
  await scenarios.locator('summary').click();
  await scenarios.locator('li').nth(7).waitFor();
  assert.match(await scenarios.locator('li').first().innerText(), /^KRaft: the active controller crashes\n/);
  assert.doesNotMatch(await scenarios.innerText(), /scn\./);
  // The About text's words too.
  assert.equal(await page.locator('[data-testid=about-text]').count(), 0);
  await page.locator('[data-testid=about] summary').click();
  assert.match(await page.locator('[data-testid=about-text]').textContent(), /KRaft mode follows Kafka 4\.1/);
  await page.locator('[data-testid=inspector-panel] summary').click();
  await page.locator('[data-testid=inspect-select]').selectOption({ label: 'c1' });
  await page.locator('[data-testid=inspector]').filter({ hasText: /\S/ }).waitFor();
  // Closed and opened again, the panel keeps what was chosen in it (its body is built once).
  const select = await page.locator('[data-testid=inspect-select]').elementHandle();
  await page.locator('[data-testid=inspector-panel] summary').click();
  await page.locator('[data-testid=inspector-panel] summary').click();
  await page.waitForTimeout(100);
  assert.equal(await page.locator('[data-testid=inspect-select]').inputValue(), '0');
  assert.ok(await select.evaluate((e) => e.isConnected), 'the same select, not a new one');
  assert.deepEqual(page.problems, []);
  await page.context().close();
  // Its chunk cannot be fetched: said, translated, in the panel.
  const blocked = await blocking('**/snippets/split/*.wasm');
  ({ page } = blocked);
  const { context, problems } = blocked;
  await page.goto(`${env.site.url}?seed=7&lang=ko`);
  await page.locator('[data-testid=network-panel] summary').click();
  const told = page.locator('[data-testid=network-panel] [role=alert]');
  await told.waitFor({ timeout: 30000 });
  assert.match(await told.innerText(), /이 화면을 불러오지 못했습니다/);
  // The simulation still runs: a click on a node crashes it.
  await page.locator('.node-hit[data-node=b1]').click();
  await page.waitForFunction(() => document.querySelector('.node-hit[data-node=b1]')?.dataset.role === 'down');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a ready-made scenario names itself with words fetched before the page mounts; without them the page plays on', async () => {
  const scenario = 'mode=kraft&seed=7&s=at+5s+crash+controller&t=0&lang=en';
  let page = await openPage(env.browser, `${env.site.url}?${scenario}`);
  // From the first picture: the app mounts once its words are here.
  assert.match(await page.locator('[data-testid=scenario-now]').innerText(), /^KRaft: the active controller crashes At 5 s/);
  await page.locator('[data-testid=scenarios] li').nth(7).waitFor();
  await page.context().close();
  // The closed panels' chunk cannot be fetched: no banner of keys, the list says so, and the
  // scenario plays.
  const blocked = await blocking('**/split_panels.wasm');
  ({ page } = blocked);
  const { context, problems } = blocked;
  await page.goto(`${env.site.url}?${scenario}`);
  await page.locator('[data-testid=play]').waitFor();
  assert.equal(await page.locator('[data-testid=scenario-now]').count(), 0);
  const told = page.locator('[data-testid=scenarios] [role=alert]');
  await told.waitFor({ timeout: 30000 });
  assert.match(await told.innerText(), /could not be loaded/);
  await page.locator('[data-testid=speed]').fill('100');
  await page.locator('[data-testid=play]').click();
  await page.waitForFunction(() => /c1 crashed/.test(document.querySelector('[data-testid=narration]')?.innerText ?? ''), null, { timeout: 30000 });
  assert.deepEqual(problems, []);
  await context.close();
});

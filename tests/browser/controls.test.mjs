// Controls a person relies on while teaching: Copy link and Copy embed code (with and without
// a clipboard), Reset keeping a link's scenario, the embed keeping its layout in its address,
// C in one mode, the full page going on below its stages, the docked controls, Tab alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, openPage, waitForRole, nodes, waitUntil } from './harness.mjs';

const env = useBrowser();

const text = async (page, id) => (await page.locator(`[data-testid=${id}]`).first().textContent()).trim();
const time = async (page) => Number(await text(page, 'virtual-time-us'));
const search = (page) => page.evaluate(() => decodeURIComponent(location.search));

test('Copy link while playing gives the moment on screen; the label says so, then goes back', async () => {
  const page = await openPage(env.browser, `${env.url}?seed=3`);
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await waitForRole(page, 'leader');
  await page.locator('.node-hit[data-node="c1"]').click();
  await waitUntil(async () => (await time(page)) > 4_000_000, 20000, 'the clock past 4 s');
  assert.equal(await text(page, 'play'), 'Pause', 'still playing');
  await page.locator('[data-testid=copy-link]').click();
  assert.equal(await text(page, 'copy-link'), 'Link copied');
  const link = await page.evaluate(() => navigator.clipboard.readText());
  const t = Number(new URL(link).searchParams.get('t'));
  assert.ok(t > 4_000_000, `the link names the moment: ${link}`);
  assert.match(new URL(link).searchParams.get('s'), /crash c1/);
  await waitUntil(async () => (await text(page, 'copy-link')) === 'Copy link', 5000, 'the label to go back');

  // The link opens at that moment, paused, with the crash.
  const again = await openPage(env.browser, link);
  await waitUntil(async () => (await time(again)) === t, 10000, 'the moment');
  assert.equal(await text(again, 'play'), 'Play');
  assert.equal((await nodes(again)).find((n) => n.name === 'c1').role, 'down');
  assert.deepEqual([...page.problems, ...again.problems], []);
  await again.context().close();
  await page.context().close();
});

test('Copy embed code puts an iframe snippet on the clipboard and says so', async () => {
  const page = await openPage(env.browser, `${env.url}?mode=zk&seed=4`);
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.locator('[data-testid=copy-embed]').click();
  assert.equal(await text(page, 'copy-embed'), 'Embed code copied');
  const code = await page.evaluate(() => navigator.clipboard.readText());
  assert.match(code, /^<iframe src="http:\/\/127\.0\.0\.1:\d+\/\?mode=zk&seed=4[^"]*&embed=1" width="480" height="320"/);
  await waitUntil(async () => (await text(page, 'copy-embed')) === 'Copy embed code', 5000, 'the label to go back');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('without a clipboard (plain http from another machine), the text is offered to copy by hand', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1200, height: 900 } });
  await context.addInitScript(() => Object.defineProperty(Navigator.prototype, 'clipboard', { get: () => undefined }));
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  const dialogs = [];
  page.on('dialog', async (d) => {
    dialogs.push([d.type(), d.message(), d.defaultValue()]);
    await d.dismiss();
  });
  await page.goto(`${env.url}?seed=5&lang=ko`);
  await page.locator('[data-testid=copy-link]').click();
  await waitUntil(async () => dialogs.length === 1, 5000, 'a prompt');
  assert.equal(dialogs[0][0], 'prompt');
  assert.equal(dialogs[0][1], '이 텍스트를 복사하세요:');
  assert.match(dialogs[0][2], /^http:\/\/127\.0\.0\.1:\d+\/\?mode=kraft&seed=5.*&t=\d+/);
  await page.locator('[data-testid=copy-embed]').click();
  await waitUntil(async () => dialogs.length === 2, 5000, 'a second prompt');
  assert.match(dialogs[1][2], /^<iframe src=/);
  // The page goes on: a click still works.
  await page.locator('[data-testid=play]').click();
  assert.deepEqual(problems, []);
  await context.close();
});

test("an embed's Reset starts its link's scenario again, and its address keeps the embed layout", async () => {
  const page = await openPage(env.browser, `${env.url}?mode=kraft&seed=6&embed=1&s=at+2s+crash+controller`, { viewport: { width: 480, height: 320 } });
  await waitUntil(async () => /embed=1/.test(await search(page)), 5000, 'embed=1 in the address');
  assert.match(await search(page), /s=at 2000000us crash controller/);
  await page.locator('[data-testid=reset]').click();
  assert.match(await search(page), /s=at 2000000us crash controller/, 'Reset keeps the scenario');
  assert.match(await search(page), /embed=1/);
  // The crash happens again once the clock passes 2 s.
  if ((await text(page, 'play')) !== 'Pause') await page.locator('[data-testid=play]').click();
  await waitUntil(async () => (await nodes(page)).some((n) => n.role === 'down'), 20000, 'the scripted crash again');
  // Reloading the frame keeps the compact layout.
  await page.reload();
  await page.locator('main.app.embed').waitFor();
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('C crashes the active controller in one mode too', async () => {
  const page = await openPage(env.browser, `${env.url}?mode=zk&seed=7`);
  await waitUntil(async () => (await nodes(page)).some((n) => /controller/.test(n.label ?? '')), 30000, 'a Kafka controller');
  const controller = (await nodes(page)).find((n) => /controller/.test(n.label));
  await page.locator('main.app').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('c');
  await waitUntil(async () => (await nodes(page)).find((n) => n.name === controller.name).role === 'down', 5000, `${controller.name} down`);
  assert.match(await search(page), /crash controller/);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('the full page goes on while the person reads below the stages', async () => {
  const page = await openPage(env.browser, `${env.url}?mode=both&seed=8`, { viewport: { width: 390, height: 700 } });
  await page.locator('[data-testid=narration]').last().scrollIntoViewIfNeeded();
  const stage = await page.locator('[data-testid=stage]').first().boundingBox();
  const scroll = await page.evaluate(() => scrollY);
  assert.ok(stage.y + stage.height < scroll || stage.y + stage.height < 0, 'the first stage is out of view');
  const a = await time(page);
  await waitUntil(async () => (await time(page)) > a + 500_000, 10000, 'the clock to go on out of view');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('on a laptop screen, the controls are in reach beside the whole stage', async () => {
  // A scenario's address also puts its "what to watch" line above the stage.
  for (const q of ['?mode=kraft&seed=9', '?mode=both&seed=9&big=1', '?mode=kraft&seed=7&s=at+5s+crash+controller&t=0&lang=en', '?mode=zk&ensemble=5&seed=7&s=at+5s+crash+leader&t=0&lang=ko']) {
    const page = await openPage(env.browser, `${env.url}${q}`, { viewport: { width: 1280, height: 800 } });
    const play = await page.locator('[data-testid=play]').boundingBox();
    assert.ok(play.y + play.height <= 800, `${q}: Play is on screen (top ${play.y})`);
    const stage = await page.locator('[data-testid=stage]').first().boundingBox();
    const dock = await page.locator('[data-testid=dock]').boundingBox();
    assert.ok(stage.y >= 0 && stage.y < dock.y, `${q}: the stage starts above the controls`);
    if (!q.includes('big')) assert.ok(stage.y + stage.height <= dock.y, `${q}: the whole stage shows above them`);
    await page.context().close();
  }
});

test('keyboard only: Tab reaches a node, Enter crashes and restarts it', async () => {
  const page = await openPage(env.browser, `${env.url}?seed=3`);
  await waitForRole(page, 'leader');
  let focused = '';
  for (let i = 0; i < 30 && focused !== 'c2'; i++) {
    await page.keyboard.press('Tab');
    focused = await page.evaluate(() => document.activeElement?.dataset?.node ?? '');
  }
  assert.equal(focused, 'c2', 'Tab reaches node c2');
  await page.keyboard.press('Enter');
  assert.equal((await nodes(page)).find((n) => n.name === 'c2').role, 'down');
  await page.keyboard.press('Enter');
  assert.notEqual((await nodes(page)).find((n) => n.name === 'c2').role, 'down');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('a hidden tab stops the clock; shown again, it goes on', async () => {
  const page = await openPage(env.browser, `${env.url}?seed=10`);
  await waitUntil(async () => (await time(page)) > 0, 10000, 'the clock to start');
  const hide = (hidden) => page.evaluate((h) => {
    Object.defineProperty(document, 'hidden', { value: h, configurable: true });
    Object.defineProperty(document, 'visibilityState', { value: h ? 'hidden' : 'visible', configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);
  await hide(true);
  await page.waitForTimeout(300);
  const a = await time(page);
  await page.waitForTimeout(1000);
  assert.equal(await time(page), a, 'hidden: the clock stands still');
  assert.equal(await text(page, 'play'), 'Pause', 'still meant to play');
  await hide(false);
  await waitUntil(async () => (await time(page)) > a, 10000, 'the clock to go on when shown');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('the view and the sizes are chosen on the page: each opens a fresh run with the same seed and the settings', async () => {
  const page = await openPage(env.browser, `${env.url}?seed=7&lang=en&s=set+quorum.pre.vote%3Doff%0Aat+2s+crash+c1`);
  assert.equal(await page.locator('[data-testid=view-kraft]').getAttribute('aria-current'), 'page');
  // Side by side: the KRaft cluster keeps its setting; the actions are not carried over.
  await Promise.all([page.waitForURL(/mode=both/), page.locator('[data-testid=view-both]').click()]);
  await page.locator('[data-side=zk] .node-hit').first().waitFor();
  let url = decodeURIComponent(page.url());
  assert.match(url, /seed=7&/);
  assert.match(url, /skraft=set quorum\.pre\.vote=off\n/);
  assert.doesNotMatch(url, /crash/);
  assert.equal(await page.locator('[data-testid=stage]').count(), 2);
  assert.equal(await page.locator('[data-testid=view-both]').getAttribute('aria-current'), 'page');
  // Five ZooKeeper servers, chosen in that cluster's heading: still side by side.
  await Promise.all([page.waitForURL(/ensemble=5/), page.locator('[data-side=zk] [data-testid=size-ensemble]').selectOption('5')]);
  await page.locator('[data-side=zk] .node-hit[data-node=zk5]').waitFor();
  assert.equal(await page.locator('[data-side=zk] .node-hit[data-node^=zk]').count(), 5);
  assert.match(page.url(), /mode=both/);
  // Both clusters have as many brokers: either heading sets both.
  await Promise.all([page.waitForURL(/brokers=5/), page.locator('[data-side=kraft] [data-testid=size-brokers]').selectOption('5')]);
  await page.locator('[data-side=zk] .node-hit[data-node=b5]').waitFor();
  assert.equal(await page.locator('[data-side=zk] .node-hit[data-node^=b]').count(), 5);
  assert.equal(await page.locator('[data-side=kraft] .node-hit[data-node^=b]').count(), 5);
  assert.equal(await page.locator('[data-side=zk] [data-testid=size-ensemble]').inputValue(), '5');
  // ZooKeeper alone, from the keyboard, in Korean: the link follows the language.
  await page.getByRole('button', { name: '한국어' }).click();
  await waitUntil(async () => /lang=ko/.test(await page.locator('[data-testid=view-zk]').getAttribute('href')));
  await page.locator('[data-testid=view-zk]').focus();
  await Promise.all([page.waitForURL(/mode=zk/), page.keyboard.press('Enter')]);
  await page.locator('.node-hit[data-node=zk5]').waitFor();
  url = decodeURIComponent(page.url());
  assert.match(url, /seed=7&/);
  assert.match(url, /ensemble=5/);
  assert.match(url, /brokers=5/);
  assert.doesNotMatch(url, /quorum\.pre\.vote/, "a KRaft setting does not follow to ZooKeeper mode");
  assert.equal(await page.locator('[data-testid=mode]').textContent(), 'ZooKeeper 모드');
  assert.equal(await page.locator('[data-testid=view-zk]').textContent(), 'ZooKeeper');
  assert.equal(await page.locator('[data-testid=view-both]').textContent(), '나란히 보기');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

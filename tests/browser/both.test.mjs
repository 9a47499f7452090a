// Side by side: ZooKeeper and KRaft on one seed and one virtual clock; one fault hits both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, openPage, screenshot, waitUntil } from './harness.mjs';

const env = useBrowser();

const side = (page, mode) => page.locator(`[data-side=${mode}]`);
const roleOf = (page, mode, name) => side(page, mode).locator(`.node-hit[data-node="${name}"]`).getAttribute('data-role');
const controllerOn = async (page, mode) =>
  side(page, mode).locator('.stage .node-hit').evaluateAll((els) =>
    els.filter((e) => /leader|leading/.test(e.dataset.role)).map((e) => e.dataset.node),
  );

test('side by side: both clusters, one clock, and "crash the controller" hits both at the same moment', async () => {
  const page = await openPage(env.browser, `${env.url}?mode=both&seed=5&lang=en`, { viewport: { width: 1600, height: 1000 } });
  await waitUntil(async () => (await controllerOn(page, 'kraft')).length === 1 && (await controllerOn(page, 'zk')).length === 1);
  // Wait until ZooKeeper mode has a Kafka controller (a broker holding /controller).
  await page.locator('[data-testid=speed]').fill('100');
  await waitUntil(async () => (await page.locator('[data-side=zk] .node-hit[data-role=active]').count()) >= 3);
  // A client creates a topic through each side's controller; both narrate it.
  await page.locator('[data-testid=create-topic]').click();
  await waitUntil(async () => (await page.locator('[data-testid=narration]').allInnerTexts()).every((t) => /topic-1/.test(t)), 40000);
  await page.locator('[data-testid=speed]').fill('0');
  await page.locator('[data-testid=play]').click();
  await page.waitForTimeout(200);
  const times = await page.locator('[data-testid=virtual-time-us]').allTextContents();
  assert.equal(times.length, 2);
  assert.equal(times[0], times[1], 'same virtual time on both sides');
  const before = await page.locator('[data-testid=narration]').allInnerTexts();
  await page.locator('[data-testid=crash-controller]').click();
  await page.waitForTimeout(100);
  const after = await page.locator('[data-testid=narration]').allInnerTexts();
  assert.match(after[0], /crashed: its process was killed/, 'ZooKeeper side narrates the crash');
  assert.match(after[1], /crashed: its process was killed/, 'KRaft side narrates the crash');
  assert.notEqual(after.join(), before.join());
  const downs = await page.locator('.node-hit[data-role=down]').evaluateAll((els) => els.map((e) => e.dataset.node));
  assert.equal(downs.length, 2, `one node down on each side: ${downs}`);
  // Each side's stopwatch starts at the crash.
  const stopwatch = (mode) => side(page, mode).locator('[data-testid=stopwatch]').textContent();
  assert.equal(await stopwatch('zk'), 'running: 0.000 s');
  assert.equal(await stopwatch('kraft'), 'running: 0.000 s');
  await page.locator('[data-testid=play]').click();
  await waitUntil(async () => (await controllerOn(page, 'kraft')).length === 1, 30000);
  await page.waitForTimeout(1500);
  await page.locator('[data-testid=play]').click();
  await page.waitForTimeout(200);
  const times2 = await page.locator('[data-testid=virtual-time-us]').allTextContents();
  assert.equal(times2[0], times2[1], 'still the same virtual time on both sides');
  // KRaft's gap ended after the fetch timeout and an election; ZooKeeper mode still waits for
  // the crashed controller's session to expire.
  assert.match(await stopwatch('kraft'), /^last gap: [1-5]\.\d{3} s$/);
  assert.match(await stopwatch('zk'), /^running: [1-9]\.\d{3} s$/);
  const without = await page.locator('[data-testid=without-controller]').allTextContents();
  assert.equal(without.length, 2);
  await screenshot(page, 'side-by-side');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('side by side, a link with actions on one side only opens both sides at the same moment', async () => {
  // Copied while playing, so no `t`: each side's actions, the latest at 10 s on ZooKeeper's.
  const page = await openPage(env.browser, `${env.url}?mode=both&seed=5&lang=en&szk=at+10s+crash+zk1&skraft=at+3s+crash+c1`);
  await page.locator('[data-testid=play]').click(); // it opens playing: pause it
  await page.waitForTimeout(200);
  const times = (await page.locator('[data-testid=virtual-time-us]').allTextContents()).map(Number);
  assert.equal(times[0], times[1], `one clock: ${times}`);
  assert.ok(times[0] >= 10_000_000, `both at or after the last action: ${times}`);
  assert.equal(await side(page, 'zk').locator('.node-hit[data-node=zk1]').getAttribute('data-role'), 'down');
  assert.equal(await side(page, 'kraft').locator('.node-hit[data-node=c1]').getAttribute('data-role'), 'down');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test("a link's actions are narrated when it opens, and again after a step back, in both languages", async () => {
  // The world narrates each action, so a link, an embed's script or a replay tells it as a click does.
  const page = await openPage(env.browser, `${env.url}?mode=both&seed=1&lang=en&s=at+5s+crash+controller%0Aat+6s+loss+0.5&t=9000000`);
  const narration = () => page.locator('[data-testid=narration]').allInnerTexts();
  const narrated = async (crash, loss) =>
    waitUntil(async () => (await narration()).every((t) => crash.test(t) && loss.test(t)), 10000, 'the actions narrated');
  await narrated(/5\.000s\s+\S+\s+crashed: its process was killed/, /6\.000s\s+message loss set to 0\.5%/);
  const [zk, kraft] = await narration();
  assert.match(zk, /5\.000s\s+b\d crashed/, 'ZooKeeper mode: the Kafka controller is a broker');
  assert.match(kraft, /5\.000s\s+c\d crashed/, 'KRaft: the active controller is a quorum voter');
  // Step back replays from the seed and narrates again from the world's notes.
  await page.locator('[data-testid=step-back]').click();
  await narrated(/5\.000s\s+\S+\s+crashed: its process was killed/, /6\.000s\s+message loss set to 0\.5%/);
  await page.getByRole('button', { name: '한국어' }).click();
  await narrated(/5\.000s\s+\S+\s+중단: 프로세스가 종료됨/, /메시지 손실률 0\.5%로 설정/);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

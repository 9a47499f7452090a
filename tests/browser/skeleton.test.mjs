// The walking skeleton, end to end in real headless Chromium against the built dist/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { useBrowser, waitUntil, openPage, screenshot, nodes, waitForRole, ROOT } from './harness.mjs';

const env = useBrowser();

/** Click where a node is drawn on the canvas, as a person would. */
async function clickNode(page, name) {
  // The page is taller than the viewport (controls and chart below the stage): bring the node
  // into view first, as a person would scroll to it.
  await page.locator(`.node-hit[data-node="${name}"]`).scrollIntoViewIfNeeded();
  const box = await page.locator(`.node-hit[data-node="${name}"]`).boundingBox();
  assert.ok(box, `node ${name} is on the stage`);
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
}

test('a leader is elected and shown on the accessible node elements', async () => {
  const page = await openPage(env.browser, `${env.url}?seed=7`);
  const leader = await waitForRole(page, 'leader');
  assert.match(leader.label, /^c\d — leader, epoch \d+$/);
  // What changes at every record is its description (and tooltip), not its name.
  assert.match(await page.locator(`.node-hit[data-node=${leader.name}]`).getAttribute('title'), /^LEO \d+ · HW \d+$/);
  const all = await nodes(page);
  assert.equal(all.filter((n) => /^c\d$/.test(n.name)).length, 3);
  await page.waitForTimeout(800);
  await screenshot(page, 'kraft-leader');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('crashing the leader by clicking it elects another; restarting it rejoins as follower', async () => {
  const page = await openPage(env.browser, `${env.url}?seed=11`);
  const first = await waitForRole(page, 'leader');
  await clickNode(page, first.name);
  const down = (await nodes(page)).find((n) => n.name === first.name);
  assert.equal(down.role, 'down');
  assert.match(down.label, /down/);
  // Messages already in flight may still be narrated after the crash line, so look at all lines.
  assert.match(await page.locator('[data-testid=narration]').innerText(), new RegExp(`${first.name} crashed`));
  const second = await waitForRole(page, 'leader', { not: first.name, timeout: 30000 });
  assert.notEqual(second.name, first.name);
  const epochOf = (n) => Number(n.label.match(/epoch (\d+)/)[1]);
  assert.ok(epochOf(second) > epochOf(first), 'the new leader has a higher epoch');
  await screenshot(page, 'kraft-failover');
  await clickNode(page, first.name);
  const start = Date.now();
  let rejoined;
  while (Date.now() - start < 20000) {
    rejoined = (await nodes(page)).find((n) => n.name === first.name);
    if (rejoined.role === 'follower') break;
    await page.waitForTimeout(100);
  }
  assert.equal(rejoined.role, 'follower', `restarted ${first.name} is ${rejoined.role}`);
  const narration = await page.locator('[data-testid=narration]').innerText();
  assert.match(narration, new RegExp(`${first.name} restarted`));
  assert.match(narration, /wins: leader of epoch/);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('the trace hash in the page equals the one qlab prints natively for the same seed', async () => {
  const page = await openPage(env.browser, `${env.url}?seed=7`);
  await waitForRole(page, 'leader');
  await page.waitForTimeout(1500);
  await page.locator('[data-testid=play]').click();
  await page.waitForTimeout(200);
  const timeUs = (await page.locator('[data-testid=virtual-time-us]').textContent()).trim();
  const pageHash = (await page.locator('[data-testid=trace-hash]').textContent()).trim();
  assert.match(timeUs, /^\d+$/);
  assert.ok(Number(timeUs) > 1_000_000, `virtual time moved (${timeUs} µs)`);
  const qlab = join(ROOT, 'target', 'debug', 'qlab');
  const out = execFileSync(qlab, ['run', '--mode', 'kraft', '--seed', '7', '--until', `${timeUs}us`, '--json']);
  const summary = JSON.parse(out.toString());
  assert.equal(summary.trace_hash, pageHash);
  assert.equal(summary.seed, 7);
  assert.deepEqual(summary.violations, []);
  assert.equal(await page.locator('[data-testid=invariants]').textContent(), 'all invariants hold');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('bad URL parameters give a clear message, defaults are used, nothing panics', async () => {
  const cases = [
    ['?seed=notanumber', /seed "notanumber" is not a whole number/],
    ['?mode=foo', /Unknown mode "foo"/],
    [`?seed=${'9'.repeat(10_000)}`, /too long \(10000 characters\)/],
    ['?controllers=%F0%9F%98%80&x=1', /controllers must be 3, 4 or 5/],
    ['?s=at+1s+crash+c9%0Aat+2s+crash+c1', /KRaft: line 1 of s names c9, which this cluster does not have; that action was left out\./],
    ['?s=set+zookeeper.session.timeout.ms%3D6000%0Aat+1s+crash+c1', /KRaft: the setting zookeeper\.session\.timeout\.ms does not apply to this cluster; it was left out\./],
    ['?s=set+controller.quorum.fetch.timeout.ms%3Dsoon', /KRaft: "soon" is not a value controller\.quorum\.fetch\.timeout\.ms takes; that setting was left out\./],
    // Below what a page runs: elections would never stop.
    ['?s=set+controller.quorum.fetch.timeout.ms%3D10', /KRaft: "10" is not a value controller\.quorum\.fetch\.timeout\.ms takes/],
    // Two topics, two million partitions and one more: too large a cluster to keep on a page.
    ['?s=at+1s+create-topic+a+partitions%3D2000000+rf%3D3%0Aat+2s+create-topic+b+partitions%3D1+rf%3D1', /line 2, column 1: the topics created add up to more than 2000000 partitions/],
  ];
  for (const [query, message] of cases) {
    const page = await openPage(env.browser, `${env.url}${query}`);
    const alert = page.locator('[data-testid=problems]');
    await alert.waitFor();
    assert.match(await alert.innerText(), message, query.slice(0, 40));
    await waitForRole(page, 'leader');
    assert.equal(await page.locator('[data-testid=seed]').textContent(), query.startsWith('?seed') ? '1' : '1');
    assert.deepEqual(page.problems, [], query.slice(0, 40));
    if (query === '?seed=notanumber') await screenshot(page, 'bad-params');
    await page.context().close();
  }
});

test('a link to a moment too far away to replay opens at once where the replay stopped, and says so', async () => {
  // A year of virtual time: replaying it all would keep the page busy for minutes.
  const year = 365 * 24 * 3600 * 1_000_000;
  for (const [lang, message] of [['en', /This link's moment \(t = 31536000\.000 s\) is further than a page replays when it opens; it opened at t = \d+\.\d{3} s\. Press Play/], ['ko', /이 링크의 시점\(t = 31536000\.000 s\)은 페이지를 열 때 재생하는 범위보다 멉니다\. t = \d+\.\d{3} s 시점에서 열었습니다/]]) {
    const page = await openPage(env.browser, `${env.url}?mode=both&lang=${lang}&s=at+5s+crash+controller&t=${year}`);
    const alert = page.locator('[data-testid=problems]');
    await alert.waitFor({ timeout: 20000 });
    assert.match(await alert.innerText(), message);
    const times = (await page.locator('[data-testid=virtual-time-us]').allTextContents()).map(Number);
    assert.equal(times.length, 2);
    assert.equal(times[0], times[1], 'both sides opened at the same moment');
    assert.ok(times[0] > 5_000_000 && times[0] < year, `somewhere between the crash and the year: ${times[0]}`);
    assert.match(page.url(), new RegExp(`[?&]t=${times[0]}(&|$)`), 'the address names the moment shown');
    assert.deepEqual(page.problems, []);
    await page.context().close();
  }
});

test('creating a topic past the partition limit is refused with a message, and the link still opens', async () => {
  const page = await openPage(env.browser, `${env.url}?seed=3&s=at+1s+create-topic+big+partitions%3D1999999+rf%3D3&t=2000000`);
  await page.locator('[data-testid=create-topic]').click();
  const narration = page.locator('[data-testid=narration]');
  await waitUntil(async () => /topic-2 was not created: the topics here already have close to 2000000 partitions/.test(await narration.innerText()));
  await page.getByRole('button', { name: '한국어' }).click();
  await waitUntil(async () => /topic-2은\(는\) 만들지 않았습니다/.test(await narration.innerText()));
  // The page's address still opens without a problem.
  const again = await openPage(env.browser, page.url());
  await again.locator('[data-testid=play]').waitFor();
  assert.equal(await again.locator('[data-testid=problems]').count(), 0);
  assert.deepEqual(page.problems, []);
  assert.deepEqual(again.problems, []);
  await again.context().close();
  await page.context().close();
});

test('switching to Korean changes the visible text and the node names', async () => {
  const page = await openPage(env.browser, `${env.url}?seed=7`);
  await waitForRole(page, 'leader');
  await page.getByRole('button', { name: '한국어' }).click();
  await page.waitForFunction(() => document.documentElement.lang === 'ko');
  const leader = await waitForRole(page, 'leader');
  assert.match(leader.label, /리더, 에포크 \d+/);
  assert.match(await page.locator('[data-testid=play]').innerText(), /일시정지/);
  assert.match(page.url(), /lang=ko/);
  await screenshot(page, 'kraft-korean');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('a permalink reproduces the moment: same trace hash, same actions; step back then forward is identical', async () => {
  const page = await openPage(env.browser, `${env.url}?seed=21`);
  const first = await waitForRole(page, 'leader');
  await clickNode(page, first.name);
  await waitForRole(page, 'leader', { not: first.name, timeout: 30000 });
  await page.locator('[data-testid=play]').click();
  await page.waitForTimeout(200);
  const link = page.url();
  assert.match(link, /[?&]s=at%20\d+us%20crash%20c\d/);
  assert.match(link, /[?&]t=\d+/);
  const hash = (await page.locator('[data-testid=trace-hash]').textContent()).trim();
  const events = Number(await page.locator('[data-testid=events]').textContent());

  // Step forward, step back: identical to before.
  await page.getByRole('button', { name: 'Step', exact: true }).click();
  assert.equal(Number(await page.locator('[data-testid=events]').textContent()), events + 1);
  await page.keyboard.press('ArrowLeft');
  await page.waitForTimeout(100);
  assert.equal(Number(await page.locator('[data-testid=events]').textContent()), events);
  assert.equal((await page.locator('[data-testid=trace-hash]').textContent()).trim(), hash);

  const again = await openPage(env.browser, link);
  await again.waitForTimeout(300);
  assert.equal((await again.locator('[data-testid=trace-hash]').textContent()).trim(), hash);
  assert.equal(Number(await again.locator('[data-testid=events]').textContent()), events);
  assert.equal((await nodes(again)).find((n) => n.name === first.name).role, 'down');
  assert.match(await again.locator('[data-testid=play]').innerText(), /Play/);
  assert.deepEqual(page.problems, []);
  assert.deepEqual(again.problems, []);
  await again.context().close();
  await page.context().close();
});

test('a broken permalink script is reported with its line and column', async () => {
  const page = await openPage(env.browser, `${env.url}?seed=2&s=${encodeURIComponent('at 1s crsh c1')}`);
  await page.locator('[data-testid=problems]').waitFor();
  assert.match(await page.locator('[data-testid=problems]').innerText(), /line 1, column 7/);
  await waitForRole(page, 'leader');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('the help overlay lists the keyboard shortcuts; R resets to time zero', async () => {
  const page = await openPage(env.browser, `${env.url}?seed=4`);
  await waitForRole(page, 'leader');
  await page.keyboard.press('?');
  const help = page.locator('[data-testid=help-overlay]');
  await help.waitFor();
  assert.match(await help.innerText(), /play or pause/);
  await page.keyboard.press(' ');
  await page.keyboard.press('r');
  await page.waitForTimeout(100);
  assert.equal(await page.locator('[data-testid=events]').textContent(), '0');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('KRaft brokers: they register and are unfenced; a crashed broker is fenced by the active controller', async () => {
  const page = await openPage(env.browser, `${env.url}?seed=8&brokers=3`);
  await waitForRole(page, 'leader');
  await waitForRole(page, 'active', { timeout: 30000 });
  await page.locator('[data-testid=speed]').fill('100'); // 10×
  const start = Date.now();
  while ((await nodes(page)).filter((n) => n.role === 'active').length < 3 && Date.now() - start < 30000) {
    await page.waitForTimeout(100);
  }
  assert.equal((await nodes(page)).filter((n) => n.role === 'active').length, 3);
  await clickNode(page, 'b1');
  const narration = page.locator('[data-testid=narration]');
  const deadline = Date.now() + 40000;
  while (!/fences b1: no heartbeat for \d+ ms/.test(await narration.innerText()) && Date.now() < deadline) {
    await page.waitForTimeout(200);
  }
  assert.match(await narration.innerText(), /fences b1: no heartbeat for \d+ ms/);
  await screenshot(page, 'kraft-broker-fenced');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

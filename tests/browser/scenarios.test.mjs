// Ready-made scenarios: a list of links with what to watch; the one a page opened is named
// above the stage, and it opens paused at time zero with its fault still to come.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, openPage, screenshot, waitForRole, waitUntil } from './harness.mjs';

const env = useBrowser();

const text = async (page, id) => (await page.locator(`[data-testid=${id}]`).first().textContent()).trim();
const narration = async (page) => (await page.locator('[data-testid=narration]').allInnerTexts()).join('\n');

test('a scenario link opens paused at time zero, says what to watch, and its fault happens as it plays', async () => {
  const page = await openPage(env.browser, `${env.url}?seed=3&lang=en`);
  const panel = page.locator('[data-testid=scenarios]');
  assert.equal(await panel.getAttribute('open'), null, 'closed on a page that is no scenario');
  assert.equal(await page.locator('[data-testid=scenario-now]').count(), 0);
  // The link in the controls' hint line opens the list and scrolls to it.
  await page.locator('[data-testid=to-scenarios]').click();
  await waitUntil(async () => (await panel.getAttribute('open')) === '', 5000, 'the list opens');
  await waitUntil(async () => {
    const box = await panel.boundingBox();
    return box && box.y < 900 && box.y + box.height > 0;
  }, 5000, 'the list scrolled into view');
  const links = panel.locator('a');
  // The list's body comes with the closed panels' chunk, fetched as it opens.
  await links.nth(7).waitFor();
  assert.equal(await links.count(), 8);
  assert.equal(await panel.locator('a[aria-current]').count(), 0);

  await links.filter({ hasText: 'KRaft: the active controller crashes' }).click();
  await page.waitForURL(/crash/);
  await page.locator('[data-testid=play]').waitFor();
  const search = decodeURIComponent(await page.evaluate(() => location.search));
  assert.match(search, /mode=kraft/);
  assert.match(search, /s=at 5000000us crash controller/);
  assert.match(search, /t=0/);
  assert.match(await text(page, 'scenario-now'), /^KRaft: the active controller crashes At 5 s the leader c1 crashes/);
  assert.equal(await page.locator('[data-testid=scenarios]').getAttribute('open'), '', 'its list is open');
  assert.equal(await page.locator('[data-testid=scenarios] a[aria-current=page]').textContent(), 'KRaft: the active controller crashes');
  // Paused at time zero: the fault is still to come.
  assert.equal(await text(page, 'play'), 'Play');
  assert.match(await text(page, 'timeline-time'), /^0\.000 s/);
  await screenshot(page, 'scenario-kraft-failover');
  // Reloaded (the page has written its address in its own form since), it is still that scenario.
  await page.reload();
  await page.locator('[data-testid=play]').waitFor();
  assert.match(await text(page, 'scenario-now'), /^KRaft: the active controller crashes/);

  // Played, it does what the words say: c1 leads, crashes at 5 s, another controller leads.
  await page.locator('[data-testid=speed]').fill('100');
  await page.locator('[data-testid=play]').click();
  const first = await waitForRole(page, 'leader');
  assert.equal(first.name, 'c1');
  await waitUntil(async () => /c1 crashed/.test(await narration(page)), 30000, 'c1 crashes');
  const next = await waitForRole(page, 'leader', { not: 'c1', timeout: 30000 });
  assert.match(next.name, /^c[23]$/);

  // In Korean the same words are Korean, and the links keep the language.
  await page.locator('.lang button', { hasText: '한국어' }).click();
  await waitUntil(async () => /활성 컨트롤러 중단/.test(await text(page, 'scenario-now')), 5000, 'Korean banner');
  const href = await page.locator('[data-testid=scenarios] a').first().getAttribute('href');
  assert.match(href, /lang=ko/);
  assert.deepEqual(page.problems, []);
});

test('side by side: a scenario applies its fault to both clusters', async () => {
  const page = await openPage(env.browser, `${env.url}?mode=both&seed=7&s=at+5s+crash+controller&t=0&lang=en`);
  assert.match(await text(page, 'scenario-now'), /^Side by side: crash the controller in both/);
  assert.equal(await page.locator('[data-testid=stage]').count(), 2);
  await page.locator('[data-testid=speed]').fill('100');
  await page.locator('[data-testid=play]').click();
  // Both narrations tell of a crash at 5 s.
  await waitUntil(async () => {
    const sides = await page.locator('[data-testid=narration]').allInnerTexts();
    return sides.length === 2 && sides.every((s) => /5\.000s\s+\S+ crashed/.test(s));
  }, 30000, 'a crash at 5 s on both sides');
  assert.deepEqual(page.problems, []);
});

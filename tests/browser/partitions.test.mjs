// The partition ceiling, live: the partitions choice opens a cluster with that many partitions,
// and a ZooKeeper-mode controller failover then waits for the new controller to load them all.
import test from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, openPage, waitUntil } from './harness.mjs';

const env = useBrowser();

test('choosing 100,000 partitions opens them, and the next ZooKeeper-mode controller loads every one', { timeout: 120000 }, async () => {
  const page = await openPage(env.browser, `${env.url}?mode=zk&seed=3&lang=en`);
  await page.locator('[data-testid=size-partitions]').selectOption('100000');
  await page.waitForURL(/partitions=100000/);
  await page.locator('[data-testid=play]').waitFor();
  assert.equal(await page.locator('[data-testid=size-partitions]').inputValue(), '100000');
  // Faster than life, then crash the controller (the page's shortcut).
  await page.$eval('[data-testid=speed]', (el) => {
    el.value = '200';
    el.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await page.waitForTimeout(500);
  await page.keyboard.press('c');
  const narration = page.locator('[data-testid=narration]');
  await waitUntil(async () => /loaded 100000 partitions in \d+ ms/.test(await narration.innerText()), 90000, 'the new controller loaded them');
  const ms = Number((await narration.innerText()).match(/loaded 100000 partitions in (\d+) ms/)[1]);
  assert.ok(ms > 10000, `loading 100,000 partitions took ${ms} ms, not instantly`);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('a bad partition count in the address is told, and the page opens with the default', async () => {
  const page = await openPage(env.browser, `${env.url}?mode=kraft&partitions=lots&lang=ko`);
  assert.match(await page.locator('[data-testid=problems]').innerText(), /파티션 수 "lots"/);
  assert.equal(await page.locator('[data-testid=size-partitions]').inputValue(), '6');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

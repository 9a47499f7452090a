// ZooKeeper mode in the browser: the ensemble elects a leader, a broker becomes controller,
// killing the ZooKeeper leader elects another, and the trace hash matches qlab.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { useBrowser, openPage, screenshot, nodes, waitForRole, ROOT } from './harness.mjs';

const env = useBrowser();

test('ZooKeeper mode: FLE elects a leader, a broker wins /controller, killing the leader elects another', async () => {
  const page = await openPage(env.browser, `${env.url}?mode=zk&seed=5`);
  assert.match(await page.locator('[data-testid=mode]').innerText(), /ZooKeeper mode/);
  const leader = await waitForRole(page, 'leading');
  assert.match(leader.name, /^zk\d$/);
  const all = await nodes(page);
  assert.equal(all.filter((n) => n.name.startsWith('zk')).length, 3);
  assert.equal(all.filter((n) => n.name.startsWith('b')).length, 3);
  const box = await page.locator(`.node-hit[data-node="${leader.name}"]`).boundingBox();
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  const next = await waitForRole(page, 'leading', { not: leader.name, timeout: 60000 });
  assert.notEqual(next.name, leader.name);
  await screenshot(page, 'zk-failover');
  const narration = await page.locator('[data-testid=narration]').innerText();
  assert.match(narration, /LOOKING|election round/);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('ZooKeeper mode: the trace hash in the page equals qlab --mode zk', async () => {
  const page = await openPage(env.browser, `${env.url}?mode=zk&seed=9&ensemble=5&brokers=2`);
  await waitForRole(page, 'leading');
  await page.waitForTimeout(2500);
  await page.locator('[data-testid=play]').click();
  await page.waitForTimeout(200);
  const timeUs = (await page.locator('[data-testid=virtual-time-us]').textContent()).trim();
  const pageHash = (await page.locator('[data-testid=trace-hash]').textContent()).trim();
  const qlab = join(ROOT, 'target', 'debug', 'qlab');
  const args = ['run', '--mode', 'zk', '--ensemble', '5', '--brokers', '2', '--seed', '9', '--until', `${timeUs}us`, '--json'];
  const summary = JSON.parse(execFileSync(qlab, args).toString());
  assert.equal(summary.trace_hash, pageHash);
  assert.deepEqual(summary.violations, []);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('ZooKeeper mode: the inspector shows a server\'s znode tree with ephemeral owners', async () => {
  const page = await openPage(env.browser, `${env.url}?mode=zk&seed=3`);
  await waitForRole(page, 'leading');
  await page.locator('[data-testid=inspector-panel] summary').click();
  await page.locator('[data-testid=inspect-select]').selectOption({ label: 'zk1' });
  const pre = page.locator('[data-testid=inspector]');
  const start = Date.now();
  while (!/\/controller .*ephemeral/.test(await pre.innerText()) && Date.now() - start < 20000) {
    await page.waitForTimeout(200);
  }
  const text = await pre.innerText();
  assert.match(text, /\/brokers\/ids\/1 {2}v0 {2}ephemeral, session 0x/);
  assert.match(text, /\/controller .*ephemeral/);
  await screenshot(page, 'zk-inspector');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

// ZooKeeper mode in the browser: the ensemble elects a leader, a broker becomes controller,
// killing the ZooKeeper leader elects another, the trace hash matches qlab, and a controller
// crash is narrated broker by broker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { useBrowser, openPage, screenshot, nodes, waitForRole, waitUntil, ROOT } from './harness.mjs';

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

test('ZooKeeper mode: the inspector shows a server\'s transaction log and its znode tree with ephemeral owners', async () => {
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
  // The server's transaction log: zxid, operation, ✓ once committed.
  assert.match(text, /✓ +\d+:\d+ {2}create -e \/brokers\/ids\/\d/);
  assert.match(text, /committed zxid \d+:\d+ · logged zxid \d+:\d+/);
  assert.match(text, /\/controller .*ephemeral/);
  await screenshot(page, 'zk-inspector');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('ZooKeeper mode: a controller crash is narrated as the /controller watch cascade, in English and Korean', async () => {
  // The permalink opens paused after the failover: the crashed controller's session expired,
  // /controller was deleted, every broker's watch fired, one won the race and the others lost.
  const page = await openPage(env.browser, `${env.url}?mode=zk&seed=6&brokers=4&s=at+15s+crash+controller&t=34000000`);
  const narration = page.locator('[data-testid=narration]');
  const en = await narration.innerText();
  assert.equal((en.match(/sees \/controller deleted \(its watch fired\)/g) ?? []).length, 3, en);
  assert.match(en, /created \/controller first: the Kafka controller, controller epoch 2/);
  assert.match(en, /lost the race: \/controller already exists \(NODEEXISTS\)|lost the race: \/controller_epoch changed/);
  await page.getByRole('button', { name: '한국어' }).click();
  await waitUntil(async () => /\/controller 삭제 확인 \(watch 발생\)/.test(await narration.innerText()), 10000, 'the Korean narration');
  const ko = await narration.innerText();
  assert.match(ko, /먼저 \/controller 생성: Kafka 컨트롤러, 컨트롤러 에포크 2/);
  assert.match(ko, /경쟁에서 짐/);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('settings typed into Details restart the run with them; side by side, each side keeps its own; a bad one is refused beside the field', async () => {
  const page = await openPage(env.browser, `${env.url}?mode=both&seed=12&lang=en&szk=set+zookeeper.session.timeout.ms%3D6000`);
  const kraft = page.locator('[data-testid=details][data-side=kraft]');
  await kraft.locator('summary').click();
  assert.equal(await kraft.locator('[data-testid=settings]').textContent(), "Kafka's defaults");
  await kraft.locator('[data-testid=settings-input]').fill('quorum.pre.vote=off, controller.quorum.election.timeout.ms=1500');
  const before = page.url();
  await Promise.all([page.waitForURL((url) => url.href !== before), kraft.locator('[data-testid=settings-apply]').click()]);
  await page.locator('[data-testid=details][data-side=kraft] [data-testid=settings]').waitFor({ state: 'attached' });
  const shown = async (side) => page.locator(`[data-testid=details][data-side=${side}] [data-testid=settings]`).textContent();
  assert.equal(await shown('kraft'), 'quorum.pre.vote=off, controller.quorum.election.timeout.ms=1500');
  assert.equal(await shown('zk'), 'zookeeper.session.timeout.ms=6000', 'the other side keeps its own');
  const url = decodeURIComponent(page.url());
  assert.match(url, /seed=12/);
  assert.match(url, /skraft=set quorum\.pre\.vote=off\nset controller\.quorum\.election\.timeout\.ms=1500\n/);
  assert.equal(await page.locator('[data-testid=problems]').count(), 0);
  assert.ok(Number(await page.locator('[data-testid=virtual-time-us]').first().textContent()) < 5_000_000, 'from time zero');
  // A key the mode does not know is refused beside the field, translated; nothing restarts and
  // the field keeps what was typed, to mend it. Enter applies as the button does.
  const zk = page.locator('[data-testid=details][data-side=zk]');
  await zk.locator('summary').click();
  const input = zk.locator('[data-testid=settings-input]');
  await input.fill('zookeeper.session.timeout.ms=6000, no.such.key=1');
  const again = page.url();
  const time = Number(await page.locator('[data-testid=virtual-time-us]').first().textContent());
  await input.press('Enter');
  await waitUntil(async () => /no\.such\.key/.test(await zk.locator('[data-testid=settings-error]').textContent()));
  assert.match(await zk.locator('[data-testid=settings-error]').textContent(), /^ZooKeeper: no\.such\.key is not a setting of this cluster; nothing was applied\.$/);
  assert.equal(page.url(), again, 'no restart');
  assert.equal(await input.inputValue(), 'zookeeper.session.timeout.ms=6000, no.such.key=1');
  assert.equal(await shown('zk'), 'zookeeper.session.timeout.ms=6000');
  assert.ok(Number(await page.locator('[data-testid=virtual-time-us]').first().textContent()) >= time, 'the run goes on');
  await page.getByRole('button', { name: '한국어' }).click();
  await waitUntil(async () => /이 클러스터의 설정이 아니어서/.test(await zk.locator('[data-testid=settings-error]').textContent()));
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('a setting in the link changes the cluster, shows in Details, and stays in the link', async () => {
  // Kafka's ZooKeeper session timeout was 6 s before 2.5 (KIP-537) and is 18 s now.
  const link = (timeout) => `${env.url}?mode=zk&seed=6&lang=en${timeout ? `&s=set+zookeeper.session.timeout.ms%3D${timeout}%0A` : '&s='}at+10s+crash+controller&t=40000000`;
  const without = async (page) => Number((await page.locator('[data-testid=without-controller]').textContent()).replace(' s', ''));
  const plain = await openPage(env.browser, link(null));
  await plain.locator('[data-testid=settings]').waitFor({ state: 'attached' });
  assert.equal(await plain.locator('[data-testid=settings]').textContent(), "ZooKeeper's code defaults, the tick settings of its sample zoo_sample.cfg (tickTime 2000, initLimit 10, syncLimit 5) and Kafka's defaults");
  const short = await openPage(env.browser, link(6000));
  await short.locator('[data-testid=settings]').waitFor({ state: 'attached' });
  assert.equal(await short.locator('[data-testid=settings]').textContent(), 'zookeeper.session.timeout.ms=6000');
  const [a, b] = [await without(plain), await without(short)];
  assert.ok(a >= 15 && b < 8, `without a controller: ${a} s by default, ${b} s with a 6 s session`);
  assert.match(decodeURIComponent(short.url()), /s=set zookeeper\.session\.timeout\.ms=6000\n/);
  assert.equal(await short.locator('[data-testid=problems]').count(), 0);
  // A new seed is a new page, with the same setting; its address keeps it too, and a second
  // new seed (a link with the setting and no actions) still does.
  for (let i = 0; i < 2; i++) {
    const before = short.url();
    await Promise.all([short.waitForURL((url) => url.href !== before), short.locator('[data-testid=new-seed]').click()]);
    await short.locator('[data-testid=settings]').waitFor({ state: 'attached' });
    assert.equal(await short.locator('[data-testid=settings]').textContent(), 'zookeeper.session.timeout.ms=6000');
    await waitUntil(async () => /s=set zookeeper\.session\.timeout\.ms=6000\n/.test(decodeURIComponent(short.url())));
  }
  // The cluster's size comes from the page's own parameters, within the page's limits.
  const big = await openPage(env.browser, `${env.url}?mode=zk&lang=en&s=set+brokers%3D64`);
  await big.locator('[data-testid=problems]').waitFor();
  assert.match(await big.locator('[data-testid=problems]').innerText(), /ZooKeeper: "64" is not a value brokers takes/);
  assert.equal(await big.locator('.node-hit[data-node^=b]').count(), 3);
  for (const page of [plain, short, big]) {
    assert.deepEqual(page.problems, []);
    await page.context().close();
  }
});

// The experiments view: each experiment runs at its quick size in the page and draws its chart;
// a run can be cancelled; the rows download as the CSV qlab writes; a point opens its run.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { useBrowser, openPage, waitUntil, screenshot } from './harness.mjs';

const env = useBrowser();

const DONE = '2';
const CANCELLED = '3';

const status = (page) => page.locator('[data-testid=exp-status]').getAttribute('data-status');

async function runQuick(page, timeout = 240000) {
  await page.locator('[data-testid=exp-run]').click();
  await waitUntil(async () => (await status(page)) === DONE, timeout, 'the sweep finished');
}

for (const [which, lang] of [['scale', 'en'], ['elections', 'ko'], ['propagation', 'en'], ['stall', 'ko']]) {
  test(`the ${which} experiment runs in the page and draws a dot per point, each a link to its run (${lang})`, { timeout: 300000 }, async () => {
    const page = await openPage(env.browser, `${env.url}?experiments=${which}&lang=${lang}`);
    assert.equal(await page.locator('[data-testid=experiment]').getAttribute('data-experiment'), which);
    assert.equal(await page.locator(`[data-testid=exp-${which}]`).getAttribute('aria-current'), 'page');
    if (which === 'elections') {
      // Kafka's defaults: three settings, fewer runs than the paper's six.
      await page.locator('[data-testid=exp-preset]').selectOption('kafka');
    }
    await runQuick(page);
    const text = await page.locator('[data-testid=exp-status]').innerText();
    assert.match(text, lang === 'en' ? /^Done: \d+ runs\.$/ : /^완료: 실행 \d+개\.$/);
    const points = page.locator('.exp-chart a.point');
    assert.ok((await points.count()) >= 2, 'dots on the chart');
    for (const href of await points.evaluateAll((as) => as.map((a) => a.getAttribute('href')))) {
      assert.match(href, new RegExp(`^\\?mode=(zk|kraft)&seed=\\d+&.*&lang=${lang}$`));
    }
    const label = await points.first().getAttribute('aria-label');
    assert.match(label, lang === 'en' ? /Opens this run in the simulation\.$/ : /이 실행을 시뮬레이션에서 엽니다\.$/);
    // Both modes are drawn (the elections chart: one line per setting).
    const legend = await page.locator('.exp-chart svg text').evaluateAll((ts) => ts.map((t) => t.textContent));
    if (which !== 'elections') assert.ok(legend.includes('ZooKeeper') && legend.includes('KRaft'), legend.join('|'));
    await screenshot(page, `experiments-${which}-${lang}`);
    assert.deepEqual(page.problems, []);
    await page.context().close();
  });
}

test('a sweep can be cancelled: it stops, keeps what finished, and the page answers while it runs', { timeout: 120000 }, async () => {
  const page = await openPage(env.browser, `${env.url}?experiments=elections&lang=en`);
  // Kafka's defaults, every seed: 3,000 runs (the first setting elects in every run).
  await page.locator('[data-testid=exp-preset]').selectOption('kafka');
  await page.locator('[data-testid=exp-size]').selectOption('full');
  await page.locator('[data-testid=exp-run]').click();
  // While it runs, the page still takes clicks: the language switches.
  await waitUntil(async () => Number(await page.locator('[data-testid=exp-progress]').getAttribute('value')) >= 5, 60000, 'some runs done');
  await page.getByRole('button', { name: '한국어' }).click();
  await waitUntil(async () => /개 중 \d+개 실행/.test(await page.locator('[data-testid=exp-status]').innerText()), 10000, 'the status in Korean');
  assert.equal(await page.locator('[data-testid=exp-run]').isDisabled(), true);
  await page.locator('[data-testid=exp-cancel]').click();
  await waitUntil(async () => (await status(page)) === CANCELLED, 10000, 'cancelled');
  const done = Number(await page.locator('[data-testid=exp-progress]').getAttribute('value'));
  const total = Number(await page.locator('[data-testid=exp-progress]').getAttribute('max'));
  assert.ok(done > 0 && done < total, `${done} of ${total}`);
  // Nothing more runs after Cancel.
  await page.waitForTimeout(500);
  assert.equal(Number(await page.locator('[data-testid=exp-progress]').getAttribute('value')), done);
  assert.match(await page.locator('[data-testid=exp-status]').innerText(), new RegExp(`실행 ${done}개 뒤 취소했습니다`));
  assert.ok((await page.locator('.exp-chart a.point').count()) > 0, 'what finished is drawn');
  assert.equal(await page.locator('[data-testid=exp-run]').isDisabled(), false);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('the rows download as CSV and JSON, as qlab writes them', { timeout: 120000 }, async () => {
  const page = await openPage(env.browser, `${env.url}?experiments=scale&lang=en`, { acceptDownloads: true });
  await runQuick(page);
  const [csv] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid=exp-csv]').click()]);
  assert.equal(csv.suggestedFilename(), 'quorumlab-scale.csv');
  const lines = (await readFile(await csv.path(), 'utf8')).trim().split('\n');
  assert.equal(lines[0].split(',').slice(0, 7).join(','), 'mode,partitions,brokers,seed,controller_failover_ms,broker_crash_recovery_ms,controlled_shutdown_ms');
  assert.equal(lines.length, 1 + 4, 'a row per run');
  assert.match(lines[1], /^zk,1000,6,1,\d+,/);
  const [json] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid=exp-json]').click()]);
  const rows = JSON.parse(await readFile(await json.path(), 'utf8'));
  assert.equal(rows.length, 4);
  assert.deepEqual(rows.map((r) => [r.mode, r.partitions]), [['zk', 1000], ['kraft', 1000], ['zk', 100000], ['kraft', 100000]]);
  assert.ok(rows[2].controller_failover_ms > rows[0].controller_failover_ms, 'ZooKeeper mode fails over slower with more partitions');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('a point opens the run behind it in the simulation', { timeout: 120000 }, async () => {
  const page = await openPage(env.browser, `${env.url}?experiments=scale&lang=en`);
  await runQuick(page);
  const point = page.locator('.exp-chart a.point').first();
  const href = await point.getAttribute('href');
  await point.click();
  await page.waitForURL(/\?mode=zk&seed=1&/);
  await page.locator('[data-testid=play]').waitFor();
  assert.equal(await page.locator('[data-testid=problems]').count(), 0);
  assert.equal(await page.locator('[data-testid=size-partitions]').inputValue(), new URL(href, env.url).searchParams.get('partitions'));
  // Its scenario is the experiment's: the controller crash is in the address.
  assert.match(decodeURIComponent(page.url()), /crash controller/);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('the header leads to the experiments, and an unknown experiment is told, translated', { timeout: 60000 }, async () => {
  const page = await openPage(env.browser, `${env.url}?lang=ko`);
  await page.locator('[data-testid=to-experiments]').click();
  await page.waitForURL(/\?experiments=scale&lang=ko/);
  await page.locator('[data-testid=experiment]').waitFor();
  await page.context().close();
  const bad = await openPage(env.browser, `${env.url}?experiments=nope&lang=ko`);
  assert.match(await bad.locator('[data-testid=problems]').innerText(), /"nope"라는 실험은 없습니다/);
  assert.equal(await bad.locator('[data-testid=experiment]').getAttribute('data-experiment'), 'scale');
  assert.deepEqual(bad.problems, []);
  await bad.context().close();
});

test("the course's partition-ceiling step leads to the scale experiment", { timeout: 120000 }, async () => {
  const page = await openPage(env.browser, `${env.url}?course=what-hurt&step=7&lang=en`);
  const see = page.locator('[data-testid=lesson-see]');
  await see.waitFor({ timeout: 90000 });
  assert.equal(await see.getAttribute('href'), '?experiments=scale&lang=en');
  await see.click();
  await page.locator('[data-testid=experiment]').waitFor();
  assert.equal(await page.locator('[data-testid=experiment]').getAttribute('data-experiment'), 'scale');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('the Full scale sweep goes to 2,000,000 partitions in the page, and the tab lives through it', { timeout: 600000 }, async () => {
  const page = await openPage(env.browser, `${env.url}?experiments=scale&lang=en`, { viewport: { width: 1280, height: 800 } });
  await page.locator('[data-testid=exp-size]').selectOption('full');
  await runQuick(page, 540000);
  // Both modes at each of 1,000 … 2,000,000 partitions: ten runs, the last dots at 2,000,000.
  assert.match(await page.locator('[data-testid=exp-status]').innerText(), /10 runs/);
  const dots = await page.$$eval('[data-testid=exp-chart] a', (as) => as.map((a) => a.getAttribute('href')));
  assert.equal(dots.filter((h) => /partitions=2000000/.test(h)).length, 2, `${dots}`);
  await screenshot(page, 'experiments-scale-full');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

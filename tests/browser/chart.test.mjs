// The live chart under each cluster: availability of the active controller and messages per
// second by kind, sampled every 250 ms of virtual time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { useBrowser, openPage, screenshot, waitForRole, SHOTS, waitUntil } from './harness.mjs';

const env = useBrowser();

const attr = async (chart, name) => Number(await chart.getAttribute(name));

/** A screenshot of the chart alone: the controls docked at the bottom of the window are hidden
 * meanwhile (they can cover it). */
async function shot(chart, options = {}) {
  const dock = (v) => chart.page().evaluate((v) => document.querySelectorAll('[data-testid=dock]').forEach((d) => (d.style.visibility = v)), v);
  await dock('hidden');
  const png = await chart.screenshot(options);
  await dock('');
  return png;
}

/** How many pixels of the chart have each of the given colours, and how many differ from the
 * background, in a real screenshot of it (the page's drawing worker holds the canvas). */
async function pixels(chart, colours) {
  const png = (await shot(chart)).toString('base64');
  return chart.page().evaluate(async ([png, colours]) => {
    const image = await createImageBitmap(await (await fetch(`data:image/png;base64,${png}`)).blob());
    const ctx = new OffscreenCanvas(image.width, image.height).getContext('2d');
    ctx.drawImage(image, 0, 0);
    const { data } = ctx.getImageData(0, 0, image.width, image.height);
    const hex = (i) => '#' + [data[i], data[i + 1], data[i + 2]].map((v) => v.toString(16).padStart(2, '0')).join('');
    const counts = Object.fromEntries(colours.map((c) => [c, 0]));
    let drawn = 0;
    for (let i = 0; i < data.length; i += 4) {
      const c = hex(i);
      if (c !== '#f8fafc') drawn += 1;
      if (c in counts) counts[c] += 1;
    }
    return { drawn, total: data.length / 4, ...counts };
  }, [png, colours]);
}

const PRESENT = '#6ee7b7';
const ABSENT = '#fca5a5';
const FETCH = '#60a5fa';

test('the chart draws controller availability and message rates; crashing the leader shows a gap', async () => {
  const page = await openPage(env.browser, `${env.url}?seed=11&lang=en`);
  const chart = page.locator('[data-testid=chart]');
  assert.equal(await chart.count(), 1);
  assert.match(await chart.getAttribute('aria-label'), /active controller/);
  const leader = await waitForRole(page, 'leader');
  // Four samples per virtual second; wait for a few seconds of them.
  await waitUntil(async () => (await attr(chart, 'data-samples')) >= 16);
  const before = await pixels(chart, [PRESENT, ABSENT, FETCH]);
  assert.ok(before.drawn > 5000, `chart drawn: ${before.drawn} of ${before.total} pixels`);
  assert.ok(before[PRESENT] > 200, 'a green band while there is a controller');
  assert.ok(before[FETCH] > 20, 'a line for fetches');
  // Until the first election there was no controller: already some time without one.
  const initialGap = await attr(chart, 'data-no-controller-ms');
  assert.ok(initialGap > 0 && initialGap < 5000, `initial election: ${initialGap} ms`);
  const redBefore = before[ABSENT];

  await page.locator(`.node-hit[data-node="${leader.name}"]`).click();
  await waitForRole(page, 'leader', { not: leader.name, timeout: 30000 });
  // The chart catches up within a few redraws (at most 4 a second).
  await waitUntil(async () => (await attr(chart, 'data-no-controller-ms')) > initialGap, 10000);
  const gap = (await attr(chart, 'data-no-controller-ms')) - initialGap;
  assert.ok(gap >= 250 && gap < 10000, `failover gap ${gap} ms`);
  await page.waitForTimeout(1500);
  const after = await pixels(chart, [PRESENT, ABSENT]);
  assert.ok(after[ABSENT] > redBefore, 'more red in the availability band after the crash');
  await screenshot(page, 'chart-kraft');
  await shot(chart, { path: join(SHOTS, 'chart-kraft-only.png') });

  // Paused with nothing new, the chart is not redrawn.
  await page.locator('[data-testid=play]').click();
  await page.waitForTimeout(400);
  const samples = await attr(chart, 'data-samples');
  const image = await shot(chart);
  await page.waitForTimeout(800);
  assert.equal(await attr(chart, 'data-samples'), samples);
  assert.deepEqual(await shot(chart), image);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('side by side: one chart per cluster, in Korean and English; crashing the controller shows ZooKeeper mode waiting for the session to expire', async () => {
  const page = await openPage(env.browser, `${env.url}?mode=both&seed=5&lang=ko`, { viewport: { width: 1600, height: 1000 } });
  const charts = page.locator('[data-testid=chart]');
  assert.equal(await charts.count(), 2);
  const zk = page.locator('[data-side=zk] [data-testid=chart]');
  const kraft = page.locator('[data-side=kraft] [data-testid=chart]');
  assert.match(await zk.getAttribute('aria-label'), /활성 컨트롤러/);
  await page.locator('[data-testid=speed]').fill('100');
  // Both have a controller (ZooKeeper mode: a broker holding /controller) for a while.
  await waitUntil(async () => (await page.locator('[data-side=zk] .node-hit[data-role=active]').count()) >= 3, 30000);
  await waitUntil(async () => (await attr(zk, 'data-samples')) >= 60, 30000);
  const zkBefore = await attr(zk, 'data-no-controller-ms');
  const kraftBefore = await attr(kraft, 'data-no-controller-ms');
  await page.locator('[data-testid=crash-controller]').click();
  await page.locator('[data-testid=speed]').fill('50');
  // ZooKeeper mode has no controller until the dead broker's session expires (18 s);
  // KRaft mode elects a new quorum leader within a couple of seconds.
  await waitUntil(async () => (await attr(zk, 'data-no-controller-ms')) - zkBefore >= 10000, 60000);
  await page.waitForTimeout(1000);
  const zkGap = (await attr(zk, 'data-no-controller-ms')) - zkBefore;
  const kraftGap = (await attr(kraft, 'data-no-controller-ms')) - kraftBefore;
  assert.ok(kraftGap > 0 && kraftGap < zkGap, `KRaft gap ${kraftGap} ms < ZooKeeper gap ${zkGap} ms`);
  await page.locator('[data-testid=play]').click();
  await page.waitForTimeout(400);
  await screenshot(page, 'chart-both-ko');
  const ko = await shot(zk);
  await page.getByRole('button', { name: 'English' }).click();
  await page.waitForTimeout(300);
  assert.notDeepEqual(await shot(zk), ko, 'redrawn in the other language while paused');
  await screenshot(page, 'chart-both-en');
  await page.locator('.sides').first().screenshot({ path: join(SHOTS, 'chart-both-en-stages.png') });
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

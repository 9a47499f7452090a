// Embed mode (?embed=1) in a 480×320 viewport, and a phone-sized page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, openPage, screenshot, waitForRole } from './harness.mjs';

const env = useBrowser();

test('embed=1 at 480×320: canvas, play/pause, reset and one narration line, nothing else', async () => {
  const page = await openPage(env.browser, `${env.url}?seed=7&embed=1`, { viewport: { width: 480, height: 320 } });
  await waitForRole(page, 'leader');
  assert.ok(await page.locator('[data-testid=stage] canvas.back').first().isVisible());
  assert.ok(await page.locator('[data-testid=play]').isVisible());
  assert.ok(await page.locator('[data-testid=reset]').isVisible());
  for (const hidden of ['h1', '[data-testid=details]', '[data-testid=step]', '[data-testid=copy-link]', '.legend']) {
    assert.equal(await page.locator(hidden).first().isVisible(), false, `${hidden} is hidden`);
  }
  // Narration lines come with the panels' regular update (a quarter second), not with the role.
  await page.locator('[data-testid=narration] li').first().waitFor({ state: 'attached' });
  const visibleLines = await page.locator('[data-testid=narration] li').evaluateAll((els) => els.filter((e) => e.offsetParent !== null).length);
  assert.equal(visibleLines, 1);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  assert.equal(overflow, false, 'no horizontal scrolling');
  await assertInsideTheFrame(page);
  await page.locator('[data-testid=play]').click();
  assert.match(await page.locator('[data-testid=play]').innerText(), /Play/);
  await screenshot(page, 'embed-480x320');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

/** The stage, play/pause, reset and the narration line are all inside the 480×320 frame. */
async function assertInsideTheFrame(page, minStage = 150) {
  const boxes = await page.evaluate(() =>
    ['[data-testid=stage]', '[data-testid=play]', '[data-testid=reset]', '[data-testid=narration] li'].map((sel) => {
      const b = document.querySelector(sel).getBoundingClientRect();
      return [sel, Math.round(b.top), Math.round(b.bottom), Math.round(b.height)];
    }),
  );
  for (const [sel, top, bottom, height] of boxes) {
    assert.ok(top >= 0 && bottom <= 320 && height > 0, `${sel} within the frame: ${top}–${bottom}`);
  }
  assert.ok(boxes[0][3] >= minStage, `the stage keeps most of the height: ${boxes[0][3]} px`);
  assert.equal(await page.evaluate(() => document.documentElement.scrollHeight), 320, 'nothing below the frame');
}

test('embed=1 side by side at 480×320: both stages, one row of controls, inside the frame', async () => {
  const page = await openPage(env.browser, `${env.url}?mode=both&seed=7&embed=1&lang=ko`, { viewport: { width: 480, height: 320 } });
  await page.locator('[data-testid=narration] li').first().waitFor();
  assert.equal(await page.locator('[data-testid=stage]').count(), 2);
  const stages = await page.locator('[data-testid=stage]').evaluateAll((els) => els.map((e) => Math.round(e.getBoundingClientRect().top)));
  assert.equal(stages[0], stages[1], 'the two stages side by side, not stacked');
  assert.equal(await page.locator('[data-testid=crash-controller]').isVisible(), false, 'only play/pause and reset');
  // Each stage says which cluster it shows, within it.
  const names = await page.locator('[data-testid=mode]').evaluateAll((els) => els.map((e) => {
    const r = e.getBoundingClientRect();
    const stage = e.closest('.side').querySelector('[data-testid=stage]').getBoundingClientRect();
    const visible = getComputedStyle(e).display !== 'none' && r.width > 0;
    return [e.textContent, visible && r.left >= stage.left && r.right <= stage.right && r.bottom <= stage.bottom];
  }));
  assert.deepEqual(names, [['ZooKeeper 모드', true], ['KRaft 모드', true]]);
  await assertInsideTheFrame(page);
  await screenshot(page, 'embed-both-480x320');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('embed=1 with a long list of problems keeps the stage and the controls in the frame', async () => {
  const bad = [...Array(6)].map((_, i) => `at+1s+crash+b${9 - i}`).join('%0A');
  const page = await openPage(env.browser, `${env.url}?mode=both&seed=7&embed=1&s=${bad}`, { viewport: { width: 480, height: 320 } });
  await page.locator('[data-testid=narration] li').first().waitFor();
  assert.equal(await page.locator('[data-testid=problems] li').count(), 12, 'six lines, on both clusters');
  await assertInsideTheFrame(page, 80);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('a 390 px wide phone shows the whole app without horizontal scrolling', async () => {
  const page = await openPage(env.browser, `${env.url}?mode=zk&seed=7`, { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
  await waitForRole(page, 'leading');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  assert.equal(overflow, false);
  await screenshot(page, 'phone-390');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('prefers-reduced-motion: the page opens paused and nothing moves until Play', async () => {
  const page = await openPage(env.browser, `${env.url}?seed=7`, { reducedMotion: 'reduce' });
  await page.waitForTimeout(800);
  assert.match(await page.locator('[data-testid=play]').innerText(), /Play/);
  assert.equal(await page.locator('[data-testid=virtual-time-us]').textContent(), '0');
  await page.locator('[data-testid=play]').click();
  await waitForRole(page, 'leader');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

// Embed mode (?embed=1) in a 480×320 viewport, and a phone-sized page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, openPage, screenshot, waitForRole } from './harness.mjs';

const env = useBrowser();

test('embed=1 at 480×320: canvas, play/pause, reset and one narration line, nothing else', async () => {
  const page = await openPage(env.browser, `${env.url}?seed=7&embed=1`, { viewport: { width: 480, height: 320 } });
  await waitForRole(page, 'leader');
  assert.ok(await page.locator('[data-testid=stage] canvas').first().isVisible());
  assert.ok(await page.locator('[data-testid=play]').isVisible());
  assert.ok(await page.locator('[data-testid=reset]').isVisible());
  for (const hidden of ['h1', '[data-testid=details]', '[data-testid=step]', '[data-testid=copy-link]', '.legend']) {
    assert.equal(await page.locator(hidden).first().isVisible(), false, `${hidden} is hidden`);
  }
  const visibleLines = await page.locator('[data-testid=narration] li').evaluateAll((els) => els.filter((e) => e.offsetParent !== null).length);
  assert.equal(visibleLines, 1);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  assert.equal(overflow, false, 'no horizontal scrolling');
  await page.locator('[data-testid=play]').click();
  assert.match(await page.locator('[data-testid=play]').innerText(), /Play/);
  await screenshot(page, 'embed-480x320');
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

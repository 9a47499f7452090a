// Odd clicks: keys, buttons, nodes, menus, sliders and the partition tool's boxes in a seeded
// random order, fast, in every layout. No panic (a WASM panic kills the page), no console
// error, and every invariant still holds. The actions taken are printed when it fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, openPage } from './harness.mjs';

const env = useBrowser();
const KEYS = [' ', 'ArrowRight', 'ArrowLeft', 'r', 'R', 'c', 'C', 'l', 'L', '?', '.', ',', 'Escape', 'Enter', 'Tab', 'PageDown', 'PageUp'];

async function monkey(page, seed, steps) {
  let state = seed;
  const rnd = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
  const log = [];
  for (let i = 0; i < steps && page.problems.length === 0; i++) {
    const kind = pick(['key', 'key', 'button', 'button', 'button', 'node', 'select', 'range', 'box']);
    try {
      if (kind === 'key') {
        const key = pick(KEYS);
        log.push(`key ${key}`);
        await page.keyboard.press(key);
      } else if (kind === 'button') {
        const buttons = await page.locator('button:visible').all();
        const button = pick(buttons);
        const name = (await button.getAttribute('data-testid')) ?? (await button.textContent());
        // Not the ones that leave the page (a new seed, settings) or open a prompt (copy).
        if (/new-seed|settings-apply|copy|course-free/.test(name ?? '')) continue;
        log.push(`button ${name}`);
        await button.click({ timeout: 1000 });
      } else if (kind === 'node') {
        const node = pick(await page.locator('.node-hit').all());
        log.push(`node ${await node.getAttribute('data-node')}`);
        await node.click({ timeout: 1000, force: true });
      } else if (kind === 'select') {
        const selects = await page.locator('select:visible').all();
        if (!selects.length) continue;
        const select = pick(selects);
        const index = Math.floor(rnd() * (await select.locator('option').count()));
        log.push(`select ${await select.getAttribute('data-testid')} #${index}`);
        await select.selectOption({ index }, { timeout: 1000 });
      } else if (kind === 'range') {
        const ranges = await page.locator('input[type=range]:visible').all();
        if (!ranges.length) continue;
        const range = pick(ranges);
        const at = rnd();
        log.push(`range ${await range.getAttribute('data-testid')} ${at.toFixed(2)}`);
        await range.evaluate((el, at) => {
          el.value = String(Number(el.min) + at * (Number(el.max) - Number(el.min)));
          el.dispatchEvent(new Event('input', { bubbles: true }));
          el.dispatchEvent(new Event('change', { bubbles: true }));
        }, at);
      } else {
        const boxes = await page.locator('input[type=checkbox]:visible').all();
        if (!boxes.length) continue;
        log.push('box');
        await pick(boxes).click({ timeout: 1000 });
      }
    } catch (e) {
      // Covered or gone by the time it was clicked (an overlay, a closing panel): not a failure.
      log.push(`(not taken: ${e.message.split('\n')[0].slice(0, 60)})`);
    }
    await page.waitForTimeout(rnd() * 100);
  }
  return log;
}

for (const [seed, url] of [
  [1, '?mode=both&seed=3&lang=en'],
  [2, '?mode=zk&ensemble=5&seed=4&lang=en'],
  [3, '?mode=kraft&controllers=5&brokers=0&seed=5&lang=en'],
  [4, '?mode=both&embed=1&lang=en'],
  [5, '?mode=zk&brokers=0&lang=en'],
  [6, '?mode=kraft&seed=7&s=set+quorum.pre.vote%3Doff%0Aat+5s+partition+c2+%7C+c1+c3%0Aat+20s+heal&t=0&lang=en'],
  // The course: Next and Back (buttons, PageDown/PageUp, arrows), answers, tasks, the contents.
  [7, '?course=zk-ensemble&step=1&lang=en'],
  [8, '?course=side-by-side&step=2&lang=ko'],
  [9, '?course=what-hurt&step=3&lang=en&embed=1'],
]) {
  test(`odd clicks and keys at random (${url}): no error, every invariant holds`, async () => {
    const page = await openPage(env.browser, `${env.url}${url}`, { viewport: { width: 1280, height: 800 } });
    const log = await monkey(page, seed, 60);
    const why = `after: ${log.slice(-10).join('; ')}`;
    assert.deepEqual(page.problems, [], why);
    // The last action may have opened a new page (a size menu gives a fresh link): let it
    // build its panels.
    await page.waitForLoadState();
    if (!url.includes('embed')) await page.locator('[data-testid=invariants]').first().waitFor({ state: 'attached', timeout: 5000 }).catch(() => {});
    const invariants = await page.locator('[data-testid=invariants]').allTextContents();
    assert.ok(invariants.length > 0 || url.includes('embed'), `Details shows the invariants; ${why}`);
    for (const text of invariants) assert.match(text, /all invariants hold|모든 불변식 유지/, why);
    await page.context().close();
  });
}

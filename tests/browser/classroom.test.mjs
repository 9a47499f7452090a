// The classroom controls: partition tool, loss and latency, the timeline, the vote tally, large
// text, side-by-side step back and permalinks, and pausing when scrolled out of view.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, openPage, screenshot, waitForRole, nodes, waitUntil } from './harness.mjs';

const env = useBrowser();

const text = async (page, id) => (await page.locator(`[data-testid=${id}]`).first().textContent()).trim();
const texts = async (page, id) => (await page.locator(`[data-testid=${id}]`).allTextContents()).map((t) => t.trim());
const narration = async (page) => (await page.locator('[data-testid=narration]').allInnerTexts()).join('\n');
const search = (page) => page.evaluate(() => decodeURIComponent(location.search));

/** How many pixels of the stage's back layer (links, nodes, their text) are close to an RGB
 * colour, in a real screenshot of the stage with the moving layer hidden (both layers belong
 * to the drawing worker, so the page cannot read them). */
async function stagePixels(page, rgb, tolerance = 12) {
  const stage = page.locator('[data-testid=stage]').first();
  await page.evaluate(() => document.querySelectorAll('[data-testid=stage] canvas.front').forEach((c) => (c.style.visibility = 'hidden')));
  const png = (await stage.screenshot()).toString('base64');
  await page.evaluate(() => document.querySelectorAll('[data-testid=stage] canvas.front').forEach((c) => (c.style.visibility = '')));
  return page.evaluate(async ([data, [r, g, b], tol]) => {
    const image = await createImageBitmap(await (await fetch(`data:image/png;base64,${data}`)).blob());
    const ctx = new OffscreenCanvas(image.width, image.height).getContext('2d');
    ctx.drawImage(image, 0, 0);
    const px = ctx.getImageData(0, 0, image.width, image.height).data;
    let n = 0;
    for (let i = 0; i < px.length; i += 4) {
      if (Math.abs(px[i] - r) <= tol && Math.abs(px[i + 1] - g) <= tol && Math.abs(px[i + 2] - b) <= tol) n++;
    }
    return n;
  }, [png, rgb, tolerance]);
}
const CUT_RED = [0xdc, 0x26, 0x26];
const LABEL_TEXT = [0x0f, 0x17, 0x2a];

async function pause(page) {
  if ((await text(page, 'play')) !== 'Play') await page.locator('[data-testid=play]').click();
  await page.waitForTimeout(150);
}

test('partition tool: cutting the leader off elects a new one; heal is narrated; both go in the permalink', async () => {
  const page = await openPage(env.browser, `${env.url}?seed=7&lang=en`);
  const leader = await waitForRole(page, 'leader');
  await page.locator('[data-testid=network-panel] summary').click();
  assert.equal(await page.locator('[data-testid=cut]').isDisabled(), true, 'nothing picked yet');
  assert.ok((await stagePixels(page, CUT_RED)) < 5, 'no cut drawn before the partition');
  await page.locator(`[data-testid=partition-pick][data-node=${leader.name}]`).check();
  await page.locator('[data-testid=cut]').click();
  assert.match(await narration(page), new RegExp(`network partition: ${leader.name} cut off from the rest`));
  assert.match(await text(page, 'partition'), new RegExp(`Network partition: ${leader.name} \\| `), 'the stage shows the cut');
  assert.equal(await page.locator(`.node-hit[data-node=${leader.name}]`).getAttribute('data-cut'), '1');
  // On the canvas: every quorum link the cut severs is dashed red and crossed out.
  await waitUntil(async () => (await stagePixels(page, CUT_RED)) > 40, 5000, 'the cut drawn on the stage');
  await screenshot(page, 'partition-cut');
  await page.locator('[data-testid=speed]').fill('100');
  const next = await waitForRole(page, 'leader', { not: leader.name, timeout: 30000 });
  assert.notEqual(next.name, leader.name);
  await page.locator('[data-testid=heal]').click();
  assert.match(await narration(page), /the network heals/);
  assert.equal(await page.locator('[data-testid=partition]').count(), 0, 'healed: no cut on the stage');
  await waitUntil(async () => (await stagePixels(page, CUT_RED)) < 5, 5000, 'the cut gone from the canvas');
  await pause(page);
  const s = await search(page);
  assert.match(s, new RegExp(`partition ${leader.name} \\|`));
  assert.match(s, /us heal/);
  await screenshot(page, 'partition');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('message loss and extra latency: chosen from menus, narrated, kept in the permalink, reproduced', async () => {
  const page = await openPage(env.browser, `${env.url}?seed=3&lang=en`);
  await waitForRole(page, 'leader');
  await page.locator('[data-testid=loss]').selectOption('100');
  await page.locator('[data-testid=delay]').selectOption('200000');
  const said = await narration(page);
  assert.match(said, /message loss set to 10%/);
  assert.match(said, /extra latency per message set to 200ms/);
  await page.waitForTimeout(800);
  await pause(page);
  const s = await search(page);
  assert.match(s, /loss 10/);
  assert.match(s, /delay 200ms/);
  const hash = await text(page, 'trace-hash');
  const again = await openPage(env.browser, `${env.url}${await page.evaluate(() => location.search)}`);
  assert.equal(await text(again, 'trace-hash'), hash, 'the permalink replays loss and latency exactly');
  assert.equal(await again.locator('[data-testid=loss]').inputValue(), '100', 'the menu shows the loss in force');
  assert.equal(await again.locator('[data-testid=delay]').inputValue(), '200000');
  assert.deepEqual([...page.problems, ...again.problems], []);
  await page.context().close();
  await again.context().close();
});

test('timeline: scrub back before a crash and forward past it; the same moment gives the same hash', async () => {
  const page = await openPage(env.browser, `${env.url}?seed=11&lang=en`);
  const leader = await waitForRole(page, 'leader');
  await page.locator('[data-testid=speed]').fill('100');
  await page.waitForTimeout(300);
  await page.locator(`.node-hit[data-node=${leader.name}]`).click();
  await waitForRole(page, 'leader', { not: leader.name, timeout: 30000 });
  await page.waitForTimeout(500);
  await pause(page);
  const crashAt = Number((await search(page)).match(/at (\d+)us crash/)[1]) / 1000;
  const timeline = page.locator('[data-testid=timeline]');
  const end = Number(await timeline.getAttribute('max'));
  assert.ok(end > crashAt, `timeline ends (${end} ms) after the crash (${crashAt} ms)`);
  await timeline.fill(String(Math.floor(crashAt / 2)));
  await page.waitForTimeout(150);
  assert.equal(await text(page, 'virtual-time-us'), String(Math.floor(crashAt / 2) * 1000));
  assert.ok((await nodes(page)).every((n) => n.role !== 'down'), 'before the crash nobody is down');
  const later = Math.floor((crashAt + end) / 2);
  await timeline.fill(String(later));
  await page.waitForTimeout(150);
  const down = (await nodes(page)).filter((n) => n.role === 'down').map((n) => n.name);
  assert.deepEqual(down, [leader.name], 'after the crash moment it is down again');
  const hash = await text(page, 'trace-hash');
  await timeline.fill('0');
  await timeline.fill(String(later));
  await page.waitForTimeout(150);
  assert.equal(await text(page, 'trace-hash'), hash, 'same moment, same state');
  assert.equal(Number(await timeline.getAttribute('max')), end, 'scrubbing does not shorten the timeline');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('vote tally: a candidate shows its votes while the first election runs', async () => {
  const page = await openPage(env.browser, `${env.url}?seed=7&controllers=5&lang=en`);
  let seen = '';
  await waitUntil(async () => {
    seen = await text(page, 'tally');
    return /c\d has \d of 3 needed/.test(seen);
  }, 20000, 'a tally');
  assert.match(seen, /c\d has [12] of 3 needed/);
  await waitForRole(page, 'leader');
  await waitUntil(async () => (await text(page, 'tally')) === 'no election running', 10000, 'the tally to clear');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('side by side: step back returns both clusters to the same moment, and the permalink carries each side', async () => {
  const page = await openPage(env.browser, `${env.url}?mode=both&seed=5&lang=en`, { viewport: { width: 1600, height: 1000 } });
  await waitUntil(async () => (await page.locator('[data-side=kraft] .node-hit[data-role=leader]').count()) === 1, 30000, 'a KRaft leader');
  await page.locator('[data-side=kraft] .node-hit[data-node=c1]').click();
  await page.locator('[data-side=zk] .node-hit[data-node=zk2]').click();
  await page.waitForTimeout(500);
  await pause(page);
  for (let i = 0; i < 3; i++) await page.locator('[data-testid=step]').click();
  const state = async () => ({ times: await texts(page, 'virtual-time-us'), hashes: await texts(page, 'trace-hash') });
  const before = await state();
  assert.equal(before.times[0], before.times[1]);
  await page.locator('[data-testid=step]').click();
  const stepped = await state();
  assert.notDeepEqual(stepped, before);
  await page.locator('[data-testid=step-back]').click();
  const back = await state();
  assert.equal(back.times[0], back.times[1], 'one clock after stepping back');
  await page.locator('[data-testid=step]').click();
  assert.deepEqual(await state(), stepped, 'step back then step: identical on both sides');
  const s = await search(page);
  assert.match(s, /mode=both/);
  assert.match(s, /szk=at \d+us crash zk2/);
  assert.match(s, /skraft=at \d+us crash c1/);
  const again = await openPage(env.browser, `${env.url}${await page.evaluate(() => location.search)}`, { viewport: { width: 1600, height: 1000 } });
  assert.deepEqual(await texts(again, 'trace-hash'), stepped.hashes, 'the permalink reproduces both sides');
  assert.deepEqual([...page.problems, ...again.problems], []);
  await page.context().close();
  await again.context().close();
});

test('large text: the L key and the button switch it, the address keeps it', async () => {
  const page = await openPage(env.browser, `${env.url}?seed=3&lang=en`, { viewport: { width: 1920, height: 1080 } });
  await waitForRole(page, 'leader');
  const h1 = () => page.locator('h1').evaluate((e) => parseFloat(getComputedStyle(e).fontSize));
  const small = await h1();
  await pause(page);
  const labelInk = await stagePixels(page, LABEL_TEXT, 10);
  await page.keyboard.press('l');
  await page.waitForTimeout(200);
  assert.ok((await h1()) > small * 1.3, 'the title grows');
  // The labels drawn on the canvas under each node grow too (same moment: only their size changed).
  const bigInk = await stagePixels(page, LABEL_TEXT, 10);
  assert.ok(bigInk > labelInk * 1.4, `canvas labels grow: ${labelInk} → ${bigInk} pixels`);
  assert.equal(await page.locator('[data-testid=big]').getAttribute('aria-pressed'), 'true');
  assert.match(await search(page), /big=1/);
  await screenshot(page, 'projector-1920');
  const again = await openPage(env.browser, `${env.url}?seed=3&lang=ko&big=1`, { viewport: { width: 1920, height: 1080 } });
  assert.equal(await again.locator('main.app.big').count(), 1);
  await page.locator('[data-testid=big]').click();
  assert.equal(await page.locator('main.app.big').count(), 0);
  assert.deepEqual([...page.problems, ...again.problems], []);
  await page.context().close();
  await again.context().close();
});

test('an embed scrolled out of view stops its clock and starts again when scrolled back', async () => {
  const context = await env.browser.newContext({ viewport: { width: 800, height: 600 } });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(`${env.url}blank-for-embed-test`).catch(() => {});
  await page.setContent(
    `<div style="height:3000px">scroll down</div><iframe id="lab" src="${env.url}?seed=3&embed=1" width="480" height="320"></iframe><div style="height:3000px"></div>`,
  );
  const frame = page.frameLocator('#lab');
  const time = async () => Number((await frame.locator('[data-testid=virtual-time-us]').textContent()).trim());
  await page.waitForTimeout(1500);
  const a = await time();
  await page.waitForTimeout(1000);
  assert.equal(await time(), a, 'out of view: the clock stands still');
  await page.locator('#lab').scrollIntoViewIfNeeded();
  await waitUntil(async () => (await time()) > a, 10000, 'the clock to run in view');
  assert.deepEqual(problems, []);
  await context.close();
});

test('changing a topic config: a ConfigRecord in KRaft, a watched change notification in ZooKeeper mode, kept in the permalink', async () => {
  const page = await openPage(env.browser, `${env.url}?mode=both&seed=7&lang=en`, { viewport: { width: 1600, height: 1000 } });
  await waitForRole(page, 'leader');
  await waitForRole(page, 'leading');
  await page.locator('[data-testid=speed]').fill('100');
  await page.waitForTimeout(1500);
  await page.locator('[data-testid=alter-config]').click();
  await waitUntil(async () => /appends a ConfigRecord for topic orders: retention\.ms=\d+/.test(await narration(page)), 30000, 'the KRaft record');
  await waitUntil(async () => /writes \/config\/topics\/orders \(retention\.ms=\d+\)/.test(await narration(page)), 30000, 'the ZooKeeper write');
  // Every broker holds a child watch on /config/changes: the notification reaches them and they apply it.
  await waitUntil(async () => /b\d+ reads config_change_\d{10} and applies the configs of topic orders/.test(await narration(page)), 30000, 'a broker applying it');
  // Both sides measure the change, from its commit until every live broker has applied it.
  for (const side of ['zk', 'kraft']) {
    await waitUntil(async () => /^\d+ ms$/.test((await page.locator(`[data-side=${side}] [data-testid=latency]`).textContent()).trim()), 10000, `${side} latency`);
  }
  await pause(page);
  assert.match(await search(page), /alter-config orders retention\.ms=\d+/);
  await screenshot(page, 'alter-config');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('narration: a new line is one new item at the top; the lines already there (read out by a screen reader) are left as they are', async () => {
  const page = await openPage(env.browser, `${env.url}?seed=7&lang=en`);
  const list = page.locator('[data-testid=narration]').first();
  await waitUntil(async () => (await list.locator('li').count()) >= 3, 5000, 'a few lines narrated');
  await page.evaluate(() => {
    const ol = document.querySelector('[data-testid=narration]');
    window.before = [...ol.children].map((li) => {
      li.seen = true;
      return li.textContent;
    });
    window.changes = { text: 0, added: 0 };
    new MutationObserver((records) => {
      for (const r of records) {
        if (r.type === 'characterData') window.changes.text++;
        else window.changes.added += [...r.addedNodes].filter((n) => n.tagName === 'LI').length;
      }
    }).observe(ol, { subtree: true, childList: true, characterData: true });
  });
  // The start of a run narrates a line every few hundred ms of virtual time.
  await waitUntil(async () => (await page.evaluate(() => window.changes.added)) >= 3, 8000, 'new lines narrated');
  const after = await page.evaluate(() => ({
    changes: window.changes,
    kept: [...document.querySelector('[data-testid=narration]').children].filter((li) => li.seen).map((li) => li.textContent),
    firstIsNew: !document.querySelector('[data-testid=narration]').firstElementChild.seen,
    before: window.before,
  }));
  assert.equal(after.changes.text, 0, 'no text of a line already shown was rewritten');
  assert.ok(after.kept.length > 0, 'older lines stay (the same elements)');
  assert.deepEqual(after.kept, after.before.slice(0, after.kept.length), 'with the same text, in the same order');
  assert.ok(after.firstIsNew, 'the newest line is at the top');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

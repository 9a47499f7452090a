// The stage's two layers: the front one (messages, countdown rings, the clock) is drawn by a
// worker on an OffscreenCanvas where the browser can, and on the page's thread where it cannot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, waitForRole, traceEvents } from './harness.mjs';

const env = useBrowser();

async function open(url, initScript) {
  const context = await env.browser.newContext({ viewport: { width: 1200, height: 900 } });
  if (initScript) await context.addInitScript(initScript);
  const page = await context.newPage();
  page.problems = [];
  page.on('console', (m) => m.type() === 'error' && page.problems.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => page.problems.push(`pageerror: ${e.message}`));
  await page.goto(url);
  return page;
}

/** The pixels of a screenshot (a PNG), decoded by the page: its width, height and RGBA bytes. */
async function pixels(page, png) {
  return page.evaluate(async (data) => {
    const image = await createImageBitmap(await (await fetch(`data:image/png;base64,${data}`)).blob());
    const ctx = new OffscreenCanvas(image.width, image.height).getContext('2d');
    ctx.drawImage(image, 0, 0);
    return { w: image.width, h: image.height, px: [...ctx.getImageData(0, 0, image.width, image.height).data] };
  }, png.toString('base64'));
}

/** Dark (clock-text) pixels in the top-right corner of the stage, read from a real screenshot. */
async function clockInk(page) {
  const stage = page.locator('[data-testid=stage]');
  const box = await stage.boundingBox();
  const clip = { x: box.x + box.width - 170, y: box.y + 4, width: 160, height: 32 };
  const { px } = await pixels(page, await page.screenshot({ clip }));
  let n = 0;
  for (let i = 0; i < px.length; i += 4) if (px[i] < 80 && px[i + 1] < 80 && px[i + 2] < 100) n++;
  return n;
}

/** Whether the page handed a stage canvas (the front one, or the back one) to a worker (then
 * it has no context here). */
const transferred = (page, which = 'canvas.front') =>
  page.evaluate((which) => {
    try {
      return document.querySelector(`[data-testid=stage] ${which}`).getContext('2d') === null;
    } catch {
      return true;
    }
  }, which);

/** Dark or coloured pixels on the (first) chart, once it has a few samples, when the page
 * holds its canvas. */
async function chartInk(page) {
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=chart]')?.getAttribute('data-samples')) >= 4);
  await page.waitForTimeout(600);
  return page.evaluate(() => {
    const c = document.querySelector('[data-testid=chart]');
    const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
    let n = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 0 && data[i] < 200) n++;
    return n;
  });
}

/** Ink (non-transparent pixels) on a stage canvas the page still holds. */
const ink = (page, which) =>
  page.evaluate((which) => {
    const c = document.querySelector(`[data-testid=stage] ${which}`);
    const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
    let n = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
    return n;
  }, which);

test('the front layer is drawn by a worker: the canvas is handed over, and the clock still shows and moves', async () => {
  const page = await open(`${env.url}?seed=7`);
  await waitForRole(page, 'leader');
  assert.equal(await transferred(page), true, 'the front canvas belongs to a worker');
  assert.ok((await clockInk(page)) > 40, 'the clock is drawn');
  const a = await page.locator('[data-testid=stage]').screenshot();
  await page.waitForTimeout(400);
  const b = await page.locator('[data-testid=stage]').screenshot();
  assert.notDeepEqual(a, b, 'the picture moves while playing');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('side by side, one worker draws both layers of both stages', async () => {
  const page = await open(`${env.url}?mode=both&seed=7`, () => {
    const Worker = window.Worker;
    window.workersMade = 0;
    window.batches = [];
    window.Worker = function (...args) {
      window.workersMade++;
      const worker = new Worker(...args);
      const post = worker.postMessage.bind(worker);
      // The stages and charts each batch carries (a chart as a negative number).
      worker.postMessage = (message, transfer) => {
        if (message[0] === 1) window.batches.push(message.filter((_, k) => k % 2 === 1));
        return post(message, transfer);
      };
      return worker;
    };
  });
  await waitForRole(page, 'leader');
  assert.equal(await page.locator('[data-testid=stage]').count(), 2);
  for (const which of ['canvas.front', 'canvas.back']) {
    const held = await page.evaluate((which) => [...document.querySelectorAll(`[data-testid=stage] ${which}`)].map((c) => {
      try {
        return c.getContext('2d') !== null;
      } catch {
        return false;
      }
    }), which);
    assert.deepEqual(held, [false, false], `every ${which} belongs to the worker`);
  }
  assert.equal(await page.evaluate(() => window.workersMade), 1, 'one worker for the page');
  // While playing, each tick's scenes and chart drawings go in one message: a chart is never
  // sent on its own, and the two stages always together.
  await page.waitForFunction(() => window.batches.some((keys) => keys.some((k) => k < 0)));
  const batches = await page.evaluate(() => window.batches);
  for (const keys of batches) {
    assert.deepEqual(keys.filter((k) => k >= 0).sort(), [0, 1], `a batch: ${keys}`);
  }
  // Both stages show their nodes (drawn by that worker): a real screenshot of each has
  // thousands of pixels in the leader's and the followers' colours.
  for (const stage of await page.locator('[data-testid=stage]').all()) {
    const { px } = await pixels(page, await stage.screenshot());
    const near = (i, [r, g, b]) => Math.abs(px[i] - r) < 16 && Math.abs(px[i + 1] - g) < 16 && Math.abs(px[i + 2] - b) < 16;
    const counts = { leader: 0, follower: 0 };
    for (let i = 0; i < px.length; i += 4) {
      if (near(i, [0xd9, 0x77, 0x06])) counts.leader++;
      if (near(i, [0x25, 0x63, 0xeb])) counts.follower++;
    }
    assert.ok(counts.leader > 1000 && counts.follower > 1000, `nodes drawn: ${JSON.stringify(counts)}`);
  }
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('the page\'s own thread draws on no canvas: stages and charts are all the worker\'s (it only measures text)', async () => {
  const page = await open(`${env.url}?mode=both&seed=7`, () => {
    window.pageCanvasCalls = {};
    const P = CanvasRenderingContext2D.prototype;
    for (const name of Object.getOwnPropertyNames(P)) {
      const d = Object.getOwnPropertyDescriptor(P, name);
      if (typeof d.value !== 'function') continue;
      P[name] = function (...args) {
        window.pageCanvasCalls[name] = (window.pageCanvasCalls[name] ?? 0) + 1;
        return d.value.apply(this, args);
      };
    }
  });
  await waitForRole(page, 'leader');
  // The posters (the first picture, drawn by the page while the worker starts) are gone.
  await page.waitForFunction(() => [...document.querySelectorAll('canvas.poster')].every((c) => getComputedStyle(c).display === 'none'));
  await page.evaluate(() => (window.pageCanvasCalls = {}));
  await page.locator('[data-testid=chart]').first().waitFor();
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=chart]').getAttribute('data-samples')) >= 8);
  await page.waitForTimeout(1000);
  const calls = await page.evaluate(() => window.pageCanvasCalls);
  assert.deepEqual(Object.keys(calls).filter((name) => name !== 'measureText'), [], `canvas calls on the page: ${JSON.stringify(calls)}`);
  const held = await page.evaluate(() => [...document.querySelectorAll('canvas:not(.poster)')].map((c) => {
    try {
      return c.getContext('2d') !== null;
    } catch {
      return false;
    }
  }));
  assert.deepEqual(held, [false, false, false, false, false, false], 'two stages of two layers and two charts, none held by the page');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('while the worker starts, the page draws the first picture itself, under the worker\'s canvas; it goes once the worker has drawn', async () => {
  const page = await open(`${env.url}?seed=7`, () => {
    const mark = performance.mark.bind(performance);
    performance.mark = (name, options) => {
      if (name === 'qlab-first-frame') {
        // Ink on the poster at the moment the first frame is marked.
        const c = document.querySelector('[data-testid=stage] canvas.poster');
        const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
        let n = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
        window.posterInk = n;
      }
      return mark(name, options);
    };
  });
  await page.waitForFunction(() => window.posterInk !== undefined);
  assert.ok((await page.evaluate(() => window.posterInk)) > 10000, 'the links and nodes on the poster at the first frame');
  const order = await page.evaluate(() => [...document.querySelectorAll('[data-testid=stage] canvas')].map((c) => c.className));
  assert.deepEqual(order, ['poster', 'back', 'front'], 'under the worker\'s layers');
  await page.waitForFunction(() => getComputedStyle(document.querySelector('[data-testid=stage] canvas.poster')).display === 'none');
  assert.equal(await transferred(page, 'canvas.back'), true, 'the back layer is the worker\'s');
  assert.equal(await page.evaluate(() => performance.getEntriesByName('qlab-first-frame').length), 1, 'marked once');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('without OffscreenCanvas the front layer is drawn on the page itself', async () => {
  const page = await open(`${env.url}?seed=7`, () => {
    delete HTMLCanvasElement.prototype.transferControlToOffscreen;
  });
  await waitForRole(page, 'leader');
  assert.equal(await transferred(page), false, 'the front canvas stays with the page');
  assert.equal(await transferred(page, 'canvas.back'), false, 'so does the back one');
  const front = await ink(page, 'canvas.front');
  assert.ok(front > 100, `the front canvas has the clock and rings on it (${front} pixels)`);
  const back = await ink(page, 'canvas.back');
  assert.ok(back > 10000, `the back canvas has the links and nodes on it (${back} pixels)`);
  // The chart too is drawn on the page then.
  const chart = await chartInk(page);
  assert.ok(chart > 500, `the chart has its bands, lines and text (${chart} dark or coloured pixels)`);
  assert.ok((await clockInk(page)) > 40, 'the clock is drawn');
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('while playing, the page itself draws no animation frames: the simulation ticks a few times a second and the worker animates', async () => {
  const page = await open(`${env.url}?seed=7`, () => {
    window.__pageFrames = 0;
    const raf = window.requestAnimationFrame.bind(window);
    window.requestAnimationFrame = (cb) => raf((ts) => { window.__pageFrames++; cb(ts); });
  });
  await waitForRole(page, 'leader');
  const virtual = async () => Number(await page.locator('[data-testid=virtual-time-us]').first().textContent());
  const [frames0, t0] = [await page.evaluate(() => window.__pageFrames), await virtual()];
  await page.waitForTimeout(1000);
  const [frames1, t1] = [await page.evaluate(() => window.__pageFrames), await virtual()];
  assert.ok(t1 > t0 + 200_000, `the simulation moved (${t0} -> ${t1} µs)`);
  assert.ok(frames1 - frames0 <= 2, `${frames1 - frames0} animation frames on the page in a second of playing`);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

for (const [what, dropOffscreen] of [['without OffscreenCanvas', true], ['with OffscreenCanvas', false]]) {
  test(`${what}, on a page whose policy forbids eval and blob: workers, the page draws the nodes and the chart itself (only the moving layer is lost)`, async () => {
    const context = await env.browser.newContext({ viewport: { width: 1200, height: 900 } });
    if (dropOffscreen) {
      await context.addInitScript(() => {
        delete HTMLCanvasElement.prototype.transferControlToOffscreen;
      });
    }
    // The same page with a policy that allows the app's own scripts and wasm, but not eval,
    // nor a worker made from a blob.
    await context.route('**/*', async (route) => {
      const response = await route.fetch();
      const type = response.headers()['content-type'] ?? '';
      if (!type.startsWith('text/html')) return route.fulfill({ response });
      const policy = "script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'";
      return route.fulfill({ response, headers: { ...response.headers(), 'content-security-policy': policy } });
    });
    const page = await context.newPage();
    const problems = [];
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('crash', () => problems.push('page crashed'));
    const refused = [];
    page.on('console', (m) => m.type() === 'error' && (/unsafe-eval|Content Security Policy|blob:/i.test(m.text()) ? refused.push(m.text()) : problems.push(m.text())));
    await page.goto(`${env.url}?seed=7`);
    const leader = await waitForRole(page, 'leader');
    assert.ok(leader.name, 'an election is won: the simulation runs');
    const virtual = async () => Number(await page.locator('[data-testid=virtual-time-us]').first().textContent());
    const t0 = await virtual();
    await page.waitForTimeout(500);
    assert.ok((await virtual()) > t0, 'and keeps running');
    // Without OffscreenCanvas the back layer stays with the page. With it, the canvases went to
    // a worker the policy then refused (Chromium refuses a blob: worker after making it): the
    // page's poster goes on showing the back layer, and follows the state.
    const which = dropOffscreen ? 'canvas.back' : 'canvas.poster';
    assert.equal(await transferred(page, which), false, `${which} is the page's`);
    const back = await ink(page, which);
    assert.ok(back > 10000, `${which} has the links and nodes on it (${back} pixels)`);
    if (!dropOffscreen) {
      assert.notEqual(await page.evaluate(() => getComputedStyle(document.querySelector('canvas.poster')).display), 'none', 'and stays up');
      // A crash shows on it: the crossed-out node is drawn in grey.
      await page.locator(`.node-hit[data-node="${leader.name}"]`).click();
      await page.waitForTimeout(400);
      const greyed = await page.evaluate(() => {
        const c = document.querySelector('canvas.poster');
        const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
        let n = 0;
        for (let i = 0; i < data.length; i += 4) if (Math.abs(data[i] - 0xcb) < 6 && Math.abs(data[i + 1] - 0xd5) < 6 && Math.abs(data[i + 2] - 0xe1) < 6) n++;
        return n;
      });
      assert.ok(greyed > 500, `the crashed leader greyed on the poster (${greyed} pixels)`);
    }
    const chart = await chartInk(page);
    assert.ok(chart > 500, `the chart is drawn (${chart} dark or coloured pixels)`);
    const eval_ = refused.filter((r) => /eval/i.test(r)).length;
    assert.ok(eval_ <= 4, `eval refused once per canvas, not at every tick (${eval_} refusals)`);
    assert.deepEqual(problems, []);
    await context.close();
  });
}

test('the stage is drawn first, with only the header around it; the controls and panels follow, and the stage is measured again', async () => {
  // Note what is on the page at the moment of the first drawn frame (the app marks it).
  const page = await open(`${env.url}?seed=7`, () => {
    const mark = performance.mark.bind(performance);
    performance.mark = (name, options) => {
      if (name === 'qlab-first-frame') {
        window.atFirstFrame = {
          stages: document.querySelectorAll('[data-testid=stage] canvas').length,
          nodes: document.querySelectorAll('.node-hit').length,
          play: !!document.querySelector('[data-testid=play]'),
          narration: !!document.querySelector('[data-testid=narration]'),
          inspector: !!document.querySelector('[data-testid=inspector-panel]'),
        };
      }
      return mark(name, options);
    };
  });
  await page.waitForFunction(() => window.atFirstFrame);
  const first = await page.evaluate(() => window.atFirstFrame);
  assert.equal(first.stages, 3, 'both stage layers and the poster exist at the first frame');
  assert.ok(first.nodes > 0, 'the node buttons exist at the first frame');
  assert.deepEqual([first.play, first.narration, first.inspector], [false, false, false], 'the rest is built after the first frame');
  // Then everything arrives, without a click.
  await page.locator('[data-testid=play]').waitFor();
  await page.locator('[data-testid=narration]').waitFor({ state: 'attached' });
  await page.locator('[data-testid=inspector-panel]').waitFor({ state: 'attached' });
  // The page may have grown a scrollbar meanwhile: the back canvas matches its box again.
  await page.waitForFunction(() => {
    const c = document.querySelector('[data-testid=stage] canvas.back');
    return Math.abs(c.width - Math.round(c.getBoundingClientRect().width * devicePixelRatio)) <= 1;
  });
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('the stage\'s rounded corners are the back layer\'s own: the panel\'s colour outside them, the stage\'s inside', async () => {
  const page = await open(`${env.url}?seed=7`);
  await waitForRole(page, 'leader');
  assert.ok(await transferred(page, 'canvas.back'), 'drawn by the worker');
  const { w, h, px } = await pixels(page, await page.locator('[data-testid=stage]').screenshot());
  const at = (x, y) => px.slice((y * w + x) * 4, (y * w + x) * 4 + 3);
  for (const [x, y] of [[0, 0], [w - 1, 0], [0, h - 1], [w - 1, h - 1]]) {
    assert.deepEqual(at(x, y), [255, 255, 255], `corner (${x}, ${y}): the panel's white`);
  }
  for (const [x, y] of [[8, 8], [w - 9, h - 9], [w >> 1, 1]]) {
    assert.deepEqual(at(x, y), [0xf8, 0xfa, 0xfc], `(${x}, ${y}): the stage's colour`);
  }
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

test('while the stage plays, the compositor draws each frame in one pass over few quads (no mask, nothing under the back layer)', async () => {
  // Measured with Chromium's own trace of its display compositor: a rounded or paint-contained
  // box around the canvases costs a second render pass per frame, and a transparent back layer
  // makes it draw the page beneath the stage too (README, Performance: most of the CPU the
  // stage cost). Counts, not times: the same on any machine.
  const page = await open(`${env.url}?seed=7`);
  await waitForRole(page, 'leader');
  await page.waitForTimeout(500);
  const cdp = await env.browser.newBrowserCDPSession();
  const events = await traceEvents(cdp, page, 'viz', 1500);
  await cdp.detach();
  const count = (name) => events.filter((e) => e.name === name && e.ph === 'X').length;
  const frames = count('DirectRenderer::DrawFrame');
  const passes = count('DirectRenderer::DrawRenderPass');
  const quads = count('SoftwareRenderer::DoDrawQuad');
  assert.ok(frames > 20, `frames were drawn while playing (${frames})`);
  assert.equal(passes, frames, `one render pass per frame (${passes} passes in ${frames} frames)`);
  assert.ok(quads / frames < 10, `few quads per frame (${(quads / frames).toFixed(1)})`);
  assert.deepEqual(page.problems, []);
  await page.context().close();
});

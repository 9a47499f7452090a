import { serveDist, launch } from './harness.mjs';
const query = process.argv[2] ?? '?seed=7&controllers=5';
const server = await serveDist();
const browser = await launch();
const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
const page = await context.newPage();
await page.goto(server.url + query);
await page.waitForTimeout(1500);
await page.evaluate(() => {
  window.__m = {};
  const key = (n) => { const e = n.nodeType === 1 ? n : n.parentElement; return (e?.closest('[data-testid]')?.dataset.testid ?? e?.tagName) + ' ' + (e?.className ?? ''); };
  new MutationObserver((ms) => { for (const m of ms) { const k = m.type + ' ' + (m.attributeName ?? '') + ' @ ' + key(m.target); window.__m[k] = (window.__m[k] ?? 0) + 1; } })
    .observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
});
await page.waitForTimeout(5000);
const m = await page.evaluate(() => window.__m);
for (const [k, v] of Object.entries(m).sort((a, b) => b[1] - a[1])) console.log((v / 5).toFixed(1).padStart(6), '/s', k);
await browser.close(); await server.close();

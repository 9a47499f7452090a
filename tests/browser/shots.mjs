// Screenshots of the course for a person to look at (not a test): node shots.mjs [query] [name]
import { serveDist, launch, openPage, screenshot } from './harness.mjs';
const server = await serveDist();
const browser = await launch();
const query = process.argv[2] ?? '?course=coordination&step=1&lang=en';
const name = process.argv[3] ?? 'course';
for (const [w, h] of [[1280, 800], [390, 844], [1920, 1080]]) {
  const page = await openPage(browser, server.url + query, { viewport: { width: w, height: h } });
  await page.locator('[data-testid=lesson]').waitFor({ timeout: 20000 }).catch(() => {});
  await page.waitForTimeout(1500);
  console.log(w, await screenshot(page, `${name}-${w}`), page.problems);
  await page.context().close();
}
await browser.close();
await server.close();

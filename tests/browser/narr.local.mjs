import { serveDist, launch } from './harness.mjs';
const server = await serveDist();
const browser = await launch();
const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
await page.goto(server.url + process.argv[2]);
await page.waitForTimeout(2500);
const t = await page.evaluate(() => [...document.querySelectorAll('section')].map(s => s.innerText).filter(x => /What is happening|진행 상황/.test(x)).join('\n'));
console.log(t);
await browser.close(); await server.close();

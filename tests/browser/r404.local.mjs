import { serveDist, launch } from './harness.mjs';
const server = await serveDist();
const browser = await launch();
const page = await browser.newPage();
page.on('response', (r) => { if (r.status() >= 400) console.log(r.status(), r.url()); });
await page.goto(server.url + '?seed=7');
await page.waitForTimeout(1500);
await browser.close(); await server.close();

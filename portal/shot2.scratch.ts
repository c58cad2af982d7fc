import { launchBrowser } from "../test-helpers/browser.js";

const b = await launchBrowser({ viewport: { width: 375, height: 800 } });
const page = await b.context.newPage();
await page.goto(`http://127.0.0.1:4399${process.env.U}`);
await page.evaluate((y) => window.scrollTo(0, y), Number(process.env.Y ?? 0));
await page.waitForTimeout(200);
await page.screenshot({ path: `/tmp/shots/part.png` });
await b.close();

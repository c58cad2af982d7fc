import { launchBrowser } from "../test-helpers/browser.js";

const b = await launchBrowser({ viewport: { width: Number(process.env.W ?? 1280), height: 900 } });
const page = await b.context.newPage();
page.on("console", (m) => console.log("console", m.type(), m.text()));
page.on("pageerror", (e) => console.log("pageerror", e.message));
for (const u of (process.env.URLS ?? "/elections/1").split(",")) {
  await page.goto(`http://127.0.0.1:4399${u}`);
  await page.waitForTimeout(300);
  const sw = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  console.log(u, "scrollWidth", sw);
  await page.screenshot({ path: `/tmp/shots/${process.env.W ?? 1280}${u.replace(/\//g, "_")}.png`, fullPage: true });
}
await b.close();

// Usage: node check.mjs REPORT_DIR [SCREENSHOT.png]
// Opens REPORT_DIR/index.html in Debian's headless Chromium (/usr/bin/chromium)
// and exits 1 on any console error, page error, failed request or image that
// did not load, or when a figure the report must show is missing (REQUIRED:
// the robustness brackets and the Pareto fronts of a reproduce report with
// the MNIST study; set CHECK_REQUIRE="" to require none); saves a full-page
// screenshot (default REPORT_DIR/screenshot.png).
import { chromium } from "playwright-core";
import path from "node:path";
import { pathToFileURL } from "node:url";

const dir = process.argv[2];
if (!dir) {
  console.error("usage: node check.mjs REPORT_DIR [SCREENSHOT.png]");
  process.exit(2);
}
const shot = process.argv[3] || path.join(dir, "screenshot.png");
// Each entry: a figure's file name (without folder and extension) that some
// loaded image of the page must show.
const REQUIRED = (process.env.CHECK_REQUIRE ?? "bracket-linf,bracket-l2,lil-front-robust-linf,lil-front-robust-l2,lil-front-certified-linf,lil-front-certified-l2")
  .split(",").filter((s) => s !== "");
const problems = [];
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  page.on("console", (m) => { if (m.type() === "error") problems.push(`console error: ${m.text()}`); });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
  page.on("request", (r) => {
    if (!r.url().startsWith("file:") && !r.url().startsWith("data:")) problems.push(`network fetch: ${r.url()}`);
  });
  await page.goto(pathToFileURL(path.resolve(dir, "index.html")).href, { waitUntil: "load" });
  const broken = await page.evaluate(() =>
    [...document.images].filter((i) => !i.complete || i.naturalWidth === 0).map((i) => i.getAttribute("src")));
  for (const src of broken) problems.push(`image did not load: ${src}`);
  const images = await page.evaluate(() => document.images.length);
  const shown = await page.evaluate(() =>
    [...document.images].filter((i) => i.complete && i.naturalWidth > 0).map((i) => i.getAttribute("src") || ""));
  const stem = (src) => src.split("/").pop().replace(/\.(png|svg)$/, "");
  for (const name of REQUIRED) {
    if (!shown.some((src) => stem(src) === name)) problems.push(`required figure not shown: ${name}`);
  }
  await page.screenshot({ path: shot, fullPage: true });
  const fronts = shown.filter((src) => /front-/.test(stem(src))).length;
  console.log(`checked ${dir}/index.html: ${images} images (${fronts} Pareto fronts; required ${REQUIRED.length} present: ${REQUIRED.filter((n) => shown.some((s) => stem(s) === n)).length}), screenshot ${shot}`);
} finally {
  await browser.close();
}
if (problems.length) {
  for (const p of problems) console.error(p);
  process.exit(1);
}

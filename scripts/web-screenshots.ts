/**
 * The README's screenshots of the web page (docs/web-page-desktop.png, docs/web-page-phone.png),
 * taken the way test/web/ drives the page: the service on the built-in model, Debian's chromium
 * through playwright-core. A lead is changed from the typical one and a CSV of the model's golden
 * leads is scored, so that every panel shows something.
 *
 *   node --import tsx scripts/web-screenshots.ts
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import Papa from "papaparse";
import { chromium, type Page } from "playwright-core";
import { PACKAGE_ROOT } from "../src/package-root.js";
import { builtInGolden, buildTestApp, listenOnLoopback } from "../test/support/app.js";
import { CHROMIUM } from "../test/support/chromium.js";
import { builtWebPage } from "../test/support/web-page.js";

const DOCS = path.join(PACKAGE_ROOT, "docs");

async function goldenCsv(): Promise<string> {
  const rows = builtInGolden().rows.map((row, i) => ({
    lead_id: `L-${1001 + i}`,
    ...row.instance,
  }));
  const fields = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const file = path.join(await mkdtemp(path.join(tmpdir(), "web-shots-")), "leads.csv");
  await writeFile(file, Papa.unparse(rows, { columns: fields }));
  return file;
}

/** A lead worth explaining, and a scored file. */
async function fill(page: Page, csv: string): Promise<void> {
  await page.locator("#probability[data-probability]").waitFor();
  const first = await page.getAttribute("#probability", "data-probability");
  await page.selectOption("#field-what_is_your_current_occupation", "Working Professional");
  await page.fill("#field-total_time_spent_on_website", "1200");
  await page.locator(`#probability:not([data-probability="${first}"])`).waitFor();
  await page.setInputFiles("#csv-file", csv);
  await page.locator("#csv-summary[data-scored]").waitFor();
}

const t = await buildTestApp({ webRoot: await builtWebPage() });
const { url } = await listenOnLoopback(t.app);
const browser = await chromium.launch({ executablePath: CHROMIUM });
try {
  const csv = await goldenCsv();
  const desktop = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await desktop.goto(`${url}/`);
  await fill(desktop, csv);
  // The file's leads are live traffic now: the model panel's drift has something to show.
  await desktop.reload();
  await fill(desktop, csv);
  await desktop.screenshot({ path: path.join(DOCS, "web-page-desktop.png"), fullPage: true });

  const phone = await browser.newPage({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
  });
  await phone.goto(`${url}/`);
  await fill(phone, csv);
  await phone.locator("#live-title").scrollIntoViewIfNeeded();
  await phone.screenshot({ path: path.join(DOCS, "web-page-phone.png") });
  console.log(`wrote ${DOCS}/web-page-desktop.png and web-page-phone.png`);
} finally {
  await browser.close();
  await t.app.close();
}

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import type { Server } from "node:http";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { chromium, type Browser, type Page } from "playwright-core";
import { buildTestApp, listenOnLoopback, type TestApp } from "../support/app.js";
import {
  CHROMIUM,
  chromiumMissing,
  collectConsoleErrors,
  pageServer,
} from "../support/chromium.js";
import { builtWebPage } from "../support/web-page.js";

/**
 * `<lead-score>` on a page from another origin, as a frontend embeds it: the example page
 * (web/examples/widget.html) served by a plain server on one port, the widget's module and the
 * API on the service's, allowed by CORS_ORIGINS.
 */
const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

const skipReason = chromiumMissing();

async function predict(service: string, instance: Record<string, unknown>): Promise<number> {
  const response = await fetch(`${service}/predict`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ instances: [instance] }),
  });
  assert.equal(response.status, 200);
  return ((await response.json()) as { predictions: number[] }).predictions[0]!;
}

/** The widget's probability, once shown and different from `previous`. */
async function widgetProbability(page: Page, previous?: string): Promise<string> {
  const other = previous === undefined ? "" : `:not([data-probability="${previous}"])`;
  // Playwright's CSS selectors pierce the open shadow root.
  const shown = page.locator(`lead-score .probability[data-probability]${other}`);
  await shown.waitFor();
  return (await shown.getAttribute("data-probability"))!;
}

describe("the <lead-score> widget on another origin", { skip: skipReason }, () => {
  let t: TestApp;
  let service: string;
  let frontend: { server: Server; origin: string };
  let browser: Browser;

  before(async () => {
    const webRoot = await builtWebPage();
    const example = await readFile(path.join(webRoot, "widget-example.html"), "utf8");
    for (const part of ['src="lead-score.js"', '<lead-score fields-from="#signup">']) {
      assert.ok(example.includes(part), `the example page has ${part}`);
    }
    let serviceUrl = "";
    frontend = await pageServer((_request, response) => {
      response.setHeader("content-type", "text/html");
      response.end(
        example
          .replace('src="lead-score.js"', `src="${serviceUrl}/app/lead-score.js"`)
          .replace(
            '<lead-score fields-from="#signup">',
            `<lead-score endpoint="${serviceUrl}" fields-from="#signup">`,
          ),
      );
    });
    t = await buildTestApp({ env: { CORS_ORIGINS: frontend.origin }, webRoot });
    ({ url: service } = await listenOnLoopback(t.app));
    serviceUrl = service;
    browser = await chromium.launch({ executablePath: CHROMIUM });
  });
  after(async () => {
    await browser?.close();
    await t?.app.close();
    frontend?.server.close();
  });

  it("scores the host page's form as it changes: /predict's probability and three reasons", async () => {
    const errors: string[] = [];
    const page = await browser.newPage();
    collectConsoleErrors(page, errors);
    await page.goto(`${frontend.origin}/`);
    const form = {
      lead_origin: "Landing Page Submission",
      what_is_your_current_occupation: "Unemployed",
      total_visits: 3,
      total_time_spent_on_website: 248,
    };
    const first = await widgetProbability(page);
    assert.equal(Number(first), await predict(service, form));
    assert.equal(await page.locator("lead-score li").count(), 3);

    await page.selectOption("#what_is_your_current_occupation", "Working Professional");
    const changed = { ...form, what_is_your_current_occupation: "Working Professional" };
    const second = await widgetProbability(page, first);
    assert.equal(Number(second), await predict(service, changed));
    const reasons = await page.locator("lead-score li").allTextContents();
    assert.equal(reasons.length, 3);
    for (const reason of reasons) assert.match(reason, /: (raises|lowers) the score$/);
    assert.deepEqual(errors, []);

    // axe-core over the example page with the widget filled in (its shadow DOM included).
    await page.evaluate(AXE);
    const violations = await page.evaluate<{ id: string; impact: string }[]>(
      `axe.run().then(({ violations }) => violations.map(({ id, impact }) => ({ id, impact })))`,
    );
    const serious = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    assert.deepEqual(serious, [], JSON.stringify(violations));
    await page.close();
  });

  it("is refused to an origin that CORS_ORIGINS does not list", async () => {
    const stranger = await pageServer((_request, response) => {
      response.setHeader("content-type", "text/html");
      response.end(
        `<!doctype html><title>x</title><form id="f"><input name="total_visits" value="3"></form>` +
          `<script type="module" src="${service}/app/lead-score.js"></script>` +
          `<lead-score endpoint="${service}" fields-from="#f"></lead-score>`,
      );
    });
    try {
      const page = await browser.newPage();
      await page.goto(`${stranger.origin}/`);
      // The module itself is refused (no CORS for this origin): nothing renders, nothing throws
      // in the host page's own scripts.
      const defined = await page.evaluate("customElements.get('lead-score') !== undefined");
      assert.equal(defined, false);
      await page.close();
    } finally {
      stranger.server.close();
    }
  });
});

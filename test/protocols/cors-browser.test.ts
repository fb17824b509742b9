import assert from "node:assert/strict";
import type { IncomingMessage, Server } from "node:http";
import { after, before, describe, it } from "node:test";
import { chromium, type Browser, type Page } from "playwright-core";
import type { App } from "../../src/protocols/fastify.js";
import { buildTestApp, listenOnLoopback } from "../support/app.js";
import { CHROMIUM, chromiumMissing, pageServer as serve } from "../support/chromium.js";

/**
 * CORS as a browser enforces it: Debian's chromium, driven by playwright-core (playwright's own
 * browser download cannot work here). A page served from one origin calls the service on another
 * with a JSON body and a custom header, which forces a preflight. Without chromium the suite
 * skips visibly (test/support/chromium.ts).
 */

/** A page from another origin than the service's. */
function pageServer(): Promise<{ server: Server; origin: string }> {
  return serve((_request, response) => {
    response.setHeader("content-type", "text/html");
    response.end("<!doctype html><title>CRM form</title><p>a frontend on another origin</p>");
  });
}

interface BrowserAnswer {
  readonly status?: number;
  readonly requestId?: string | null;
  readonly predictions?: number;
  readonly error?: string;
}

/** The page's script: a JSON POST with X-Request-Id, as a frontend would send it. */
function scoreFromPage(page: Page, url: string, requestId: string): Promise<BrowserAnswer> {
  return page.evaluate(
    async ({ url, requestId }) => {
      try {
        const response = await fetch(url, {
          method: "POST",
          headers: { "Content-Type": "application/json", "X-Request-Id": requestId },
          body: JSON.stringify({ instances: [{ total_visits: 5, lead_origin: "API" }] }),
        });
        const body = (await response.json()) as { predictions: unknown[] };
        return {
          status: response.status,
          requestId: response.headers.get("x-request-id"),
          predictions: body.predictions.length,
        };
      } catch (error) {
        return { error: String(error) };
      }
    },
    { url, requestId },
  );
}

const skipReason = chromiumMissing();

describe("CORS in Chromium", { skip: skipReason }, () => {
  let allowed: { server: Server; origin: string };
  let other: { server: Server; origin: string };
  let app: App;
  let service: string;
  let browser: Browser;
  /** What reached the service, as "METHOD path origin". */
  const seen: string[] = [];

  before(async () => {
    allowed = await pageServer();
    other = await pageServer();
    ({ app } = await buildTestApp({
      env: { CORS_ORIGINS: allowed.origin, CORS_MAX_AGE_SECONDS: "600" },
    }));
    app.server.on("request", (request: IncomingMessage) => {
      seen.push(`${request.method} ${request.url} ${request.headers.origin ?? "-"}`);
    });
    ({ url: service } = await listenOnLoopback(app));
    browser = await chromium.launch({ executablePath: CHROMIUM });
  });

  after(async () => {
    await browser?.close();
    await app?.close();
    allowed?.server.close();
    other?.server.close();
  });

  it("preflights, then lets the allowed origin read the answer and X-Request-Id", async () => {
    const page = await browser.newPage();
    await page.goto(`${allowed.origin}/`);
    const first = await scoreFromPage(page, `${service}/predict`, "browser-1");
    assert.deepEqual(first, { status: 200, requestId: "browser-1", predictions: 1 });
    assert.deepEqual(
      seen.filter((line) => line.endsWith(allowed.origin)),
      [`OPTIONS /predict ${allowed.origin}`, `POST /predict ${allowed.origin}`],
      "one preflight before the POST",
    );
    // Access-Control-Max-Age: the browser reuses the preflight's answer.
    const second = await scoreFromPage(page, `${service}/predict`, "browser-2");
    assert.equal(second.requestId, "browser-2");
    assert.equal(seen.filter((line) => line.startsWith("OPTIONS")).length, 1, seen.join("\n"));
    await page.close();
  });

  it("blocks another origin in the browser: the POST is never sent", async () => {
    const page = await browser.newPage();
    await page.goto(`${other.origin}/`);
    const answer = await scoreFromPage(page, `${service}/predict`, "browser-3");
    assert.match(answer.error ?? "", /TypeError/, JSON.stringify(answer));
    const fromOther = seen.filter((line) => line.endsWith(other.origin));
    assert.deepEqual(fromOther, [`OPTIONS /predict ${other.origin}`], "only the refused preflight");
    await page.close();
  });
});

import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { after, before, describe, it } from "node:test";
import { buildTestApp, type TestApp } from "../support/app.js";
import { builtWebPage } from "../support/web-page.js";

/** The widget's budget (issue 18): one ES module under 15 kB gzipped, without a chart. */
const WIDGET_GZIP_BUDGET = 15 * 1024;

describe("the web page's files, as the service serves them", () => {
  let t: TestApp;
  let root: string;

  before(async () => {
    root = await builtWebPage();
    t = await buildTestApp({ webRoot: root });
  });
  after(() => t.app.close());

  const get = (url: string) => t.app.inject({ method: "GET", url });

  it("/ redirects to the page", async () => {
    const response = await get("/");
    assert.equal(response.statusCode, 302);
    assert.equal(response.headers.location, "/app/");
  });

  it("/app without its slash goes to /app/", async () => {
    const response = await get("/app");
    assert.equal(response.statusCode, 302);
    assert.equal(response.headers.location, "/app/");
  });

  it("the page is revalidated on every use and carries a strict Content-Security-Policy", async () => {
    const response = await get("/app/");
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers["content-type"]), /^text\/html/);
    assert.equal(response.headers["cache-control"], "no-cache");
    const csp = String(response.headers["content-security-policy"]);
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /style-src 'self'(;|$)/);
    assert.match(csp, /connect-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  });

  it("hashed assets are immutable, and every one the page names is served", async () => {
    const html = (await get("/app/")).body;
    const named = [...html.matchAll(/(?:src|href)="(assets\/[^"]+)"/g)].map((match) => match[1]!);
    assert.equal(named.length, 2, html);
    for (const asset of named) {
      assert.match(asset, /-[A-Z0-9]{8}\.(js|css)$/, "content-hashed name");
      const response = await get(`/app/${asset}`);
      assert.equal(response.statusCode, 200, asset);
      assert.equal(response.headers["cache-control"], "public, max-age=31536000, immutable");
    }
  });

  it("the widget has a stable URL, revalidated, loadable from other origins", async () => {
    const response = await get("/app/lead-score.js");
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers["content-type"]), /javascript/);
    assert.equal(response.headers["cache-control"], "no-cache");
    assert.equal(response.headers["cross-origin-resource-policy"], "cross-origin");
  });

  it(`the widget is one ES module under ${WIDGET_GZIP_BUDGET} bytes gzipped`, async () => {
    const widget = await readFile(path.join(root, "lead-score.js"));
    const size = gzipSync(widget, { level: 9 }).length;
    assert.ok(size < WIDGET_GZIP_BUDGET, `${size} bytes gzipped`);
    assert.doesNotMatch(widget.toString(), /\bimport\s*[("{*]/, "no import of another file");
    assert.ok((await readdir(root)).includes("widget-example.html"), "its example page");
  });

  it("the API keeps its JSON answers free of the page's headers", async () => {
    const response = await get("/health");
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers["content-security-policy"], undefined);
  });
});

describe("WEB_UI=off", () => {
  it("serves neither the page nor the redirect", async () => {
    const t = await buildTestApp({ env: { WEB_UI: "off" }, webRoot: await builtWebPage() });
    try {
      for (const url of ["/", "/app/", "/app/lead-score.js"]) {
        const response = await t.app.inject({ method: "GET", url });
        assert.equal(response.statusCode, 404, url);
        assert.equal(response.json<{ code: string }>().code, "ROUTE_NOT_FOUND");
      }
    } finally {
      await t.app.close();
    }
  });
});

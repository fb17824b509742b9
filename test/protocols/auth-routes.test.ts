import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { buildTestApp, type TestApp } from "../support/app.js";
import { keysFileText, writeKeysFile } from "../support/api-keys.js";

/**
 * Routes anyone may call with keys on: the probes, CORS preflights, /metrics when it shares the
 * API port, the documentation with DOCS=on, and the web page's static files (WEB_UI=on; the page
 * asks for a key itself). Every other route must declare a scope.
 */
const OPEN = [
  /^\/health(\/live|\/ready)?$/,
  /^\/v2\/health\/(live|ready)$/,
  /^\/v2\/models\/:name(\/versions\/:version)?\/ready$/,
  /^\/metrics$/,
  /^\/openapi\.json$/,
  /^\/docs(\/.*)?$/,
  /^\/$/,
  /^\/app(\/.*)?$/,
];

describe("every route declares its access", () => {
  let t: TestApp;
  before(async () => {
    const file = writeKeysFile(
      keysFileText([{ name: "k", key: "sk-k-123456", scopes: ["predict"] }]),
    );
    t = await buildTestApp({
      env: { API_KEYS_FILE: file, CORS_ORIGINS: "https://crm.example", METRICS_PORT: "0" },
    });
  });
  after(() => t.app.close());

  it("has a scope or is open, and only the listed routes are open", () => {
    const routes = t.app.declaredAccess();
    assert.ok(routes.length > 20, `only ${routes.length} routes seen`);
    for (const { method, url, scope } of routes) {
      assert.notEqual(scope, undefined, `${method} ${url} declares no scope`);
      if (scope === "open" && method !== "OPTIONS") {
        assert.ok(
          OPEN.some((pattern) => pattern.test(url)),
          `${method} ${url} is open but not in the list of open routes`,
        );
      }
    }
  });

  it("gives the data plane's routes the scopes the README lists", () => {
    const scopeOf = (method: string, url: string) =>
      t.app.declaredAccess().find((route) => route.method === method && route.url === url)?.scope;
    assert.equal(scopeOf("POST", "/predict"), "predict");
    assert.equal(scopeOf("POST", "/v1/models/:name([^/:]+)::predict"), "predict");
    assert.equal(scopeOf("POST", "/v2/models/:name/infer"), "predict");
    assert.equal(scopeOf("POST", "/explain"), "explain");
    assert.equal(scopeOf("POST", "/v1/models/:name([^/:]+)::explain"), "explain");
    assert.equal(scopeOf("POST", "/feedback"), "feedback");
    assert.equal(scopeOf("GET", "/v1/models/:name([^/:]+)/monitoring"), "admin");
    assert.equal(scopeOf("GET", "/v1/models"), "predict");
    assert.equal(scopeOf("GET", "/health/live"), "open");
  });

  it("answers a CORS preflight without a key", async () => {
    const response = await t.app.inject({
      method: "OPTIONS",
      url: "/predict",
      headers: {
        origin: "https://crm.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization,content-type",
      },
    });
    assert.ok(response.statusCode < 300, `preflight answered ${response.statusCode}`);
  });
});

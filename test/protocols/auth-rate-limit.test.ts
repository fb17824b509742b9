import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { buildTestApp, type TestApp } from "../support/app.js";
import { keysFileText, writeKeysFile, type TestKey } from "../support/api-keys.js";

const PREDICT = { instances: [{ lead_origin: "API", total_visits: 5 }] };

const SMALL: TestKey = {
  name: "small",
  key: "sk-small-1111111111",
  scopes: ["predict"],
  rateLimit: { max: 2, timeWindow: "1 hour" },
};
const DEFAULTED: TestKey = { name: "defaulted", key: "sk-defaulted-22222222", scopes: ["predict"] };

describe("per-key rate limits", () => {
  let t: TestApp;
  before(async () => {
    const file = writeKeysFile(keysFileText([SMALL, DEFAULTED], { max: 3, timeWindow: "1 hour" }));
    t = await buildTestApp({ env: { API_KEYS_FILE: file } });
  });
  after(() => t.app.close());

  const predict = (key: string) =>
    t.app.inject({
      method: "POST",
      url: "/predict",
      payload: PREDICT,
      headers: { "x-api-key": key },
    });

  it("answers 429 RATE_LIMITED with Retry-After and RateLimit-* over a key's own quota", async () => {
    const first = await predict(SMALL.key);
    assert.equal(first.statusCode, 200);
    assert.equal(first.headers["ratelimit-limit"], "2");
    assert.equal(first.headers["ratelimit-remaining"], "1");
    assert.equal((await predict(SMALL.key)).statusCode, 200);

    const over = await predict(SMALL.key);
    assert.equal(over.statusCode, 429);
    assert.deepEqual(Object.keys(over.json<object>()).sort(), ["code", "error"]);
    assert.equal(over.json<{ code: string }>().code, "RATE_LIMITED");
    const retryAfter = Number(over.headers["retry-after"]);
    assert.ok(retryAfter > 0 && retryAfter <= 3600, `Retry-After ${retryAfter}`);
    assert.equal(over.headers["ratelimit-limit"], "2");
    assert.equal(over.headers["ratelimit-remaining"], "0");
    assert.ok(Number(over.headers["ratelimit-reset"]) > 0);
  });

  it("counts each key apart, with the file's default quota for a key without one", async () => {
    for (let i = 0; i < 3; i++) assert.equal((await predict(DEFAULTED.key)).statusCode, 200);
    const over = await predict(DEFAULTED.key);
    assert.equal(over.statusCode, 429);
    assert.equal(over.headers["ratelimit-limit"], "3");
  });

  it("never limits the health probes", async () => {
    for (let i = 0; i < 5; i++) {
      const response = await t.app.inject({ url: "/health/ready" });
      assert.equal(response.statusCode, 200);
      assert.equal(response.headers["ratelimit-limit"], undefined);
    }
  });

  it("counts a refusal under the key's name in the request metric", async () => {
    const text = await t.metrics.registry.metrics();
    assert.match(
      text,
      /lead_scoring_http_requests_total\{method="POST",route="\/predict",status_code="429",version="none",key="small"\} 1/,
    );
  });
});

describe("rate limit per client IP (keys off, RATE_LIMIT_MAX)", () => {
  it("limits by address when no keys are configured", async () => {
    const t = await buildTestApp({ env: { RATE_LIMIT_MAX: "1", RATE_LIMIT_WINDOW: "1 minute" } });
    try {
      const from = (remoteAddress: string) =>
        t.app.inject({ method: "POST", url: "/predict", payload: PREDICT, remoteAddress });
      assert.equal((await from("10.0.0.1")).statusCode, 200);
      assert.equal((await from("10.0.0.1")).statusCode, 429);
      assert.equal((await from("10.0.0.2")).statusCode, 200);
    } finally {
      await t.app.close();
    }
  });

  it("refuses a RATE_LIMIT_WINDOW that is not a duration, naming it", async () => {
    await assert.rejects(
      buildTestApp({ env: { RATE_LIMIT_MAX: "1", RATE_LIMIT_WINDOW: "soon" } }),
      /RATE_LIMIT_WINDOW/,
    );
  });
});

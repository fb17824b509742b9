import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildTestApp } from "../support/app.js";

const ORIGIN = "https://crm.example";

describe("CORS headers", () => {
  it("answers a preflight with Access-Control-Max-Age from CORS_MAX_AGE_SECONDS", async () => {
    const { app } = await buildTestApp({
      env: { CORS_ORIGINS: ORIGIN, CORS_MAX_AGE_SECONDS: "120" },
    });
    try {
      const response = await app.inject({
        method: "OPTIONS",
        url: "/predict",
        headers: {
          origin: ORIGIN,
          "access-control-request-method": "POST",
          "access-control-request-headers": "content-type, x-api-key",
        },
      });
      assert.equal(response.statusCode, 204);
      assert.equal(response.headers["access-control-allow-origin"], ORIGIN);
      assert.equal(response.headers["access-control-max-age"], "120");
      assert.match(String(response.headers["access-control-allow-headers"]), /x-api-key/);
    } finally {
      await app.close();
    }
  });

  it("exposes X-Request-Id, Retry-After and the RateLimit-* headers, on errors too", async () => {
    const { app } = await buildTestApp({ env: { CORS_ORIGINS: ORIGIN } });
    try {
      for (const payload of [{ instances: [{ total_visits: 1 }] }, { instances: "x" }]) {
        const response = await app.inject({
          method: "POST",
          url: "/predict",
          headers: { origin: ORIGIN },
          payload,
        });
        const exposed = String(response.headers["access-control-expose-headers"])
          .split(",")
          .map((name) => name.trim().toLowerCase());
        for (const name of [
          "x-request-id",
          "retry-after",
          "ratelimit-limit",
          "ratelimit-remaining",
          "ratelimit-reset",
        ]) {
          assert.ok(exposed.includes(name), `${response.statusCode}: ${name} in ${exposed.join()}`);
        }
      }
    } finally {
      await app.close();
    }
  });
});

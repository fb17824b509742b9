import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, it } from "node:test";
import { buildTestApp } from "../support/app.js";

/** Blocks the event loop, as a CPU-bound burst would, for `ms` milliseconds. */
function blockEventLoop(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // busy: the point is that no timer or I/O callback runs meanwhile
  }
}

describe("load shedding (@fastify/under-pressure)", () => {
  it("answers 503 OVERLOADED with Retry-After on every route, except liveness", async () => {
    const { app } = await buildTestApp({ env: { MAX_EVENT_LOOP_DELAY_MS: "20" } });
    try {
      // The plugin samples the loop's delay once a second; block past one sample.
      blockEventLoop(1200);
      await sleep(10);
      const requests = [
        { method: "POST" as const, url: "/predict", payload: { instances: [{}] } },
        { method: "POST" as const, url: "/v2/models/lead-scoring/infer", payload: {} },
        { method: "GET" as const, url: "/health/ready" },
        { method: "GET" as const, url: "/v2/health/ready" },
      ];
      for (const request of requests) {
        const response = await app.inject(request);
        assert.equal(response.statusCode, 503, `${request.method} ${request.url}`);
        assert.equal(response.headers["retry-after"], "1", request.url);
        assert.equal(response.json<{ code: string }>().code, "OVERLOADED", request.url);
      }
      for (const url of ["/health/live", "/v2/health/live"]) {
        const response = await app.inject({ method: "GET", url });
        assert.equal(response.statusCode, 200, `${url}: a busy pod is alive, not dead`);
      }
    } finally {
      await app.close();
    }
  });

  it("answers 503 with Retry-After while no model is loaded", async () => {
    const { app } = await buildTestApp({ model: null });
    try {
      for (const url of ["/health/ready", "/v2/health/ready"]) {
        const response = await app.inject({ method: "GET", url });
        assert.equal(response.statusCode, 503, url);
      }
      const response = await app.inject({
        method: "POST",
        url: "/predict",
        payload: { instances: [{}] },
      });
      assert.equal(response.statusCode, 503);
      assert.equal(response.headers["retry-after"], "1");
      assert.equal(response.json<{ code: string }>().code, "NOT_READY");
    } finally {
      await app.close();
    }
  });
});

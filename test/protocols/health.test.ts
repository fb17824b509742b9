import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildTestApp } from "../support/app.js";

describe("health", () => {
  it("is live and ready with a model; /health is readiness", async () => {
    const { app } = await buildTestApp();
    for (const url of ["/health/live", "/health/ready", "/health"]) {
      assert.equal((await app.inject({ method: "GET", url })).statusCode, 200, url);
    }
    await app.close();
  });

  it("is live but not ready without a model, and predictions are 503", async () => {
    const { app } = await buildTestApp({ model: null });
    assert.equal((await app.inject({ method: "GET", url: "/health/live" })).statusCode, 200);
    assert.equal((await app.inject({ method: "GET", url: "/health/ready" })).statusCode, 503);
    assert.equal((await app.inject({ method: "GET", url: "/health" })).statusCode, 503);
    assert.equal((await app.inject({ method: "GET", url: "/v2/health/ready" })).statusCode, 503);
    const predict = await app.inject({
      method: "POST",
      url: "/predict",
      payload: { instances: [{}] },
    });
    assert.equal(predict.statusCode, 503);
    assert.equal(predict.json<{ code: string }>().code, "NOT_READY");
    await app.close();
  });

  it("turns readiness to 503 when draining, while still answering predictions", async () => {
    const { app, dataPlane } = await buildTestApp();
    dataPlane.startDraining();
    assert.equal((await app.inject({ method: "GET", url: "/health/ready" })).statusCode, 503);
    assert.equal((await app.inject({ method: "GET", url: "/health/live" })).statusCode, 200);
    const predict = await app.inject({
      method: "POST",
      url: "/predict",
      payload: { instances: [{}] },
    });
    assert.equal(predict.statusCode, 200);
    await app.close();
  });

  it("serves the Vertex AI routes named by AIP_HEALTH_ROUTE and AIP_PREDICT_ROUTE", async () => {
    const { app } = await buildTestApp({
      env: {
        AIP_HEALTH_ROUTE: "/v1/endpoints/1/deployedModels/2",
        AIP_PREDICT_ROUTE: "/v1/endpoints/1:predict",
      },
    });
    const health = await app.inject({ method: "GET", url: "/v1/endpoints/1/deployedModels/2" });
    assert.equal(health.statusCode, 200);
    const predict = await app.inject({
      method: "POST",
      url: "/v1/endpoints/1:predict",
      payload: { instances: [{}] },
    });
    assert.equal(predict.statusCode, 200, predict.body);
    await app.close();
  });

  it("answers unknown routes with a 404 error body", async () => {
    const { app } = await buildTestApp();
    const response = await app.inject({ method: "GET", url: "/nope" });
    assert.equal(response.statusCode, 404);
    assert.match(response.json<{ error: string }>().error, /no route GET \/nope/);
    await app.close();
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildMetricsApp } from "../../src/app.js";
import { builtInGolden, buildTestApp } from "../support/app.js";

describe("GET /metrics", () => {
  it("exports request, inference, batch and model metrics in Prometheus text format", async () => {
    const { app } = await buildTestApp({ env: { METRICS_PORT: "0" } });
    const instances = builtInGolden()
      .rows.slice(0, 7)
      .map((row) => row.instance);
    await app.inject({ method: "POST", url: "/predict", payload: { instances } });
    await app.inject({ method: "POST", url: "/predict", payload: { instances: [{ x: 1 }] } });
    const response = await app.inject({ method: "GET", url: "/metrics" });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers["content-type"]), /text\/plain/);
    const text = response.body;
    assert.match(
      text,
      /lead_scoring_http_requests_total\{method="POST",route="\/predict",status_code="200",version="[\d.]+",key="anonymous"\} 1/,
    );
    assert.match(
      text,
      // No model answered a refused request: its version is "none".
      /lead_scoring_http_requests_total\{method="POST",route="\/predict",status_code="400",version="none",key="anonymous"\} 1/,
    );
    assert.match(
      text,
      /lead_scoring_http_request_duration_seconds_bucket\{le="0\.001",method="POST"/,
    );
    assert.match(
      text,
      /lead_scoring_inference_duration_seconds_count\{model="lead-scoring",version="[\d.]+"\} 1/,
    );
    assert.match(
      text,
      /lead_scoring_inference_batch_size_sum\{model="lead-scoring",version="[\d.]+"\} 7/,
    );
    assert.match(
      text,
      /lead_scoring_model_info\{name="lead-scoring",version="[\d.]+",scorer="trees"\} 1/,
    );
    assert.match(text, /lead_scoring_model_loads_total\{result="failure"\} 0/);
    await app.close();
  });

  it("is not on the API port when a separate metrics port is configured (the default)", async () => {
    const { app, config, metrics } = await buildTestApp();
    assert.equal(config.metricsPort, 9464);
    assert.equal((await app.inject({ method: "GET", url: "/metrics" })).statusCode, 404);
    const metricsApp = await buildMetricsApp(config, metrics);
    const response = await metricsApp.inject({ method: "GET", url: "/metrics" });
    assert.equal(response.statusCode, 200);
    assert.match(response.body, /lead_scoring_model_info/);
    assert.equal((await metricsApp.inject({ method: "POST", url: "/predict" })).statusCode, 404);
    await Promise.all([app.close(), metricsApp.close()]);
  });
});

import { stringify } from "yaml";
import { buildApp } from "../src/app.js";
import { BUILT_IN_MODEL_URI, loadConfig } from "../src/config.js";
import { DataPlane } from "../src/dataplane/dataplane.js";
import { ModelHolder } from "../src/lifecycle/model-holder.js";
import { loadPinnedModel } from "../src/lifecycle/pinned-source.js";
import { Metrics } from "../src/monitoring/metrics.js";

/**
 * The OpenAPI document as YAML, exactly as the service serves it (GET /openapi.json) with the
 * default model loaded: the same TypeBox schemas the routes validate with, and the Instance
 * schema generated from the committed model's fields. Another model's service serves its own.
 */
export async function renderOpenApiYaml(): Promise<string> {
  const config = loadConfig({ LOG_LEVEL: "silent" });
  const holder = new ModelHolder();
  await holder.swap(await loadPinnedModel(BUILT_IN_MODEL_URI, { threads: 1 }));
  const dataPlane = new DataPlane(holder, config, undefined, { idField: config.leadIdField });
  const app = await buildApp({
    config,
    dataPlane,
    metrics: new Metrics({ processMetrics: false }),
  });
  try {
    const response = await app.inject({ method: "GET", url: "/openapi.json" });
    // The options @fastify/swagger writes its own YAML with.
    return stringify(response.json(), { strict: false });
  } finally {
    await app.close();
    await holder.close();
  }
}

import { buildApp } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { DataPlane } from "../src/dataplane/dataplane.js";
import { ModelHolder } from "../src/lifecycle/model-holder.js";
import { Metrics } from "../src/monitoring/metrics.js";

/**
 * The OpenAPI document as YAML, generated from the same TypeBox schemas the routes validate
 * with. No model is needed: the document describes the protocols, not one model's fields.
 */
export async function renderOpenApiYaml(): Promise<string> {
  const config = loadConfig({ LOG_LEVEL: "silent" });
  const dataPlane = new DataPlane(new ModelHolder(), config);
  const app = await buildApp({
    config,
    dataPlane,
    metrics: new Metrics({ processMetrics: false }),
  });
  await app.ready();
  const yaml = app.swagger({ yaml: true });
  await app.close();
  return yaml;
}

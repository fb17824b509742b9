import closeWithGrace from "close-with-grace";
import { setTimeout as sleep } from "node:timers/promises";
import { buildApp, buildMetricsApp } from "./app.js";
import { loadConfig, type Config } from "./config.js";
import { DataPlane } from "./dataplane/dataplane.js";
import { ConfigError, describeError } from "./errors.js";
import { ModelHolder } from "./model/model-holder.js";
import { serveConfiguredModel, type ServedModel } from "./model-source.js";
import { Metrics } from "./monitoring/metrics.js";

/**
 * Entry point: config → app → listen → load the model → serve; SIGTERM → drain → exit 0.
 * It listens before the model is loaded so liveness answers at once and readiness says 503
 * until the model is proven; a model that cannot be loaded is fatal (exit 1).
 */
async function main(config: Config): Promise<void> {
  const metrics = new Metrics();
  const holder = new ModelHolder();
  const dataPlane = new DataPlane(holder, config, metrics);
  const app = await buildApp({ config, dataPlane, metrics });
  const metricsApp = config.metricsPort === 0 ? undefined : await buildMetricsApp(config, metrics);

  let served: ServedModel | undefined;
  closeWithGrace({ delay: config.shutdownTimeoutSeconds * 1000 }, async ({ signal, err }) => {
    if (err !== undefined) app.log.error({ err }, "shutting down after an uncaught error");
    app.log.info({ signal, drainSeconds: config.drainSeconds }, "draining: readiness is now 503");
    dataPlane.startDraining();
    // Keep serving while the load balancer notices the failing readiness and deregisters us.
    await sleep(config.drainSeconds * 1000);
    await served?.stop();
    await app.close(); // stops accepting, waits for in-flight requests
    await metricsApp?.close();
    await holder.close();
    app.log.info("shut down cleanly");
  });

  await app.listen({ port: config.port, host: config.host });
  await metricsApp?.listen({ port: config.metricsPort, host: config.host });
  try {
    served = await serveConfiguredModel(config, holder, metrics, app.log);
    const { model } = served;
    app.log.info(
      { model: model.name, version: model.version, source: model.source },
      "model ready",
    );
  } catch (error) {
    metrics.modelLoads.inc({ result: "failure" });
    app.log.fatal(
      { err: error },
      `cannot load the model from ${config.modelUri}: ${describeError(error)}`,
    );
    await app.close();
    await metricsApp?.close();
    process.exit(1);
  }
}

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  // Before the logger exists: one structured line Cloud Logging understands, then exit 2.
  const message = error instanceof ConfigError ? error.message : describeError(error);
  process.stderr.write(`${JSON.stringify({ severity: "CRITICAL", message })}\n`);
  process.exit(2);
}
await main(config);

// First: Node's own warnings as JSON lines, from whichever module below emits one.
import "./process-warnings.js";
import closeWithGrace from "close-with-grace";
import type { FastifyBaseLogger } from "fastify";
import { setTimeout as sleep } from "node:timers/promises";
import { buildApp, buildMetricsApp } from "./app.js";
import { loadConfig, type Config } from "./config.js";
import { DataPlane } from "./dataplane/dataplane.js";
import { ConfigError, describeError } from "./errors.js";
import { ModelSet } from "./lifecycle/model-set.js";
import { CANDIDATE, RolloutPlan } from "./lifecycle/rollout-plan.js";
import { GuardrailWatch } from "./monitoring/rollout/guardrail-watch.js";
import { serveConfiguredModel, type ServedModel } from "./lifecycle/model-source.js";
import { Metrics } from "./monitoring/metrics.js";
import { openPredictionLog } from "./monitoring/prediction-log/open.js";
import type { PredictionLog } from "./monitoring/prediction-log/prediction-log.js";
import { QualityReportPoller } from "./monitoring/quality-report/poller.js";
import { observeAll } from "./dataplane/observer.js";
import { ConnectionDrain } from "./protocols/drain.js";

/**
 * Entry point: config → app → listen → load the model → serve; SIGTERM → drain → exit 0;
 * SIGINT → stop now (no drain) → exit 0.
 * It listens before the model is loaded so liveness answers at once and readiness says 503
 * until the model is proven; a model that cannot be loaded is fatal (exit 1). The drain:
 * readiness 503 and `Connection: close` on every response for DRAIN_SECONDS, then the listener
 * closes, every request received is answered, and only then the model is released.
 */
async function main(config: Config): Promise<void> {
  const metrics = new Metrics({
    processMetrics: true,
    drift: config.drift,
    decisionThreshold: config.rollouts.decisionThreshold,
  });
  // Metrics are per-version state: made when a version serves, dropped when it is released.
  const models = new ModelSet(metrics);
  const holder = models.holder();
  // A rollout's candidate beside production (docs/rollouts.md); idle until one is started.
  const rollout = new RolloutPlan(models.holder(CANDIDATE));
  metrics.followRollout(rollout);
  let predictionLog: PredictionLog | undefined;
  try {
    predictionLog = await openPredictionLog(
      config.predictionLog,
      { apiEndpoint: config.gcsApiEndpoint, projectId: config.gcpProject },
      // Warnings go to the app's log (built below; nothing is written before it exists).
      { observer: metrics, log: { warn: (fields, message) => app.log.warn(fields, message) } },
    );
  } catch (error) {
    exitOnBadConfig(`invalid configuration: PREDICTION_LOG_URI: ${describeError(error)}`);
  }
  const observer = predictionLog === undefined ? metrics : observeAll(metrics, predictionLog);
  const dataPlane = new DataPlane(holder, config, observer, {
    idField: config.leadIdField,
    rollout,
    shadowQueueSize: config.rollouts.shadowQueueSize,
  });
  // A bad API keys file (API_KEYS_FILE) is found here, as it is read: a configuration error.
  const app = await buildApp({ config, dataPlane, metrics, predictionLog }).catch(
    (error: unknown) => {
      if (error instanceof ConfigError) exitOnBadConfig(error.message);
      throw error;
    },
  );
  const metricsApp = config.metricsPort === 0 ? undefined : await buildMetricsApp(config, metrics);

  const connections = new ConnectionDrain(app.server);

  let served: ServedModel | undefined;
  let qualityReport: QualityReportPoller | undefined;
  let guardrails: GuardrailWatch | undefined;
  let stopping = false;
  const hurry = new AbortController(); // SIGINT: no (more) drain wait
  const shutdown = closeWithGrace(
    { delay: config.shutdownTimeoutSeconds * 1000, skip: ["SIGINT"], logger: app.log },
    async ({ signal = hurry.signal.aborted ? "SIGINT" : undefined, err }) => {
      stopping = true;
      if (err !== undefined) app.log.error({ err }, "shutting down after an uncaught error");
      dataPlane.startDraining();
      if (hurry.signal.aborted) {
        app.log.info({ signal }, "stopping now, no drain: answering the requests in progress");
      } else {
        const { drainSeconds } = config;
        app.log.info({ signal, drainSeconds }, "draining: readiness is now 503");
      }
      connections.start(); // every response says Connection: close; quiet connections close
      // Keep serving while the load balancer notices the failing readiness and deregisters us.
      await sleep(config.drainSeconds * 1000, undefined, { signal: hurry.signal }).catch(() => {});
      await connections.close(); // stops accepting, answers every request received
      await app.close();
      // Every request has been answered: write what the prediction log holds, within a bound.
      await predictionLog?.close(predictionLogDeadlineMs(config));
      await served?.stop();
      await qualityReport?.stop();
      await guardrails?.stop();
      await metricsApp?.close();
      await models.close(); // each model goes only once its last request has been answered
      app.log.info("shut down cleanly");
    },
  );
  onInterrupt(app.log, () => {
    hurry.abort();
    connections.hurry(); // idle connections close at once, not after a grace
    if (!stopping) shutdown.close();
  });

  await app.listen({ port: config.port, host: config.host });
  await metricsApp?.listen({ port: config.metricsPort, host: config.host });
  try {
    served = await serveConfiguredModel(config, holder, metrics, app.log, rollout);
    const { model } = served; // undefined: the alias follower waits for the alias, not ready
    if (model !== undefined) {
      const { scorerKind: scorer, scorerFallback } = model;
      app.log.info(
        { model: model.name, version: model.version, source: model.source, scorer, scorerFallback },
        "model ready",
      );
    }
    qualityReport = pollQualityReport(config, served, metrics, app.log);
    guardrails = watchGuardrails(config, served, rollout, metrics, app.log);
  } catch (error) {
    app.log.fatal(
      { err: error },
      `cannot load the model from ${config.modelUri}: ${describeError(error)}`,
    );
    await app.close();
    await metricsApp?.close();
    process.exit(1);
  }
}

/**
 * Beside a followed alias, the monitoring job's `<model>/monitoring/latest.json` becomes gauges
 * (docs/monitoring.md). Off for a pinned model: it has no registry to look in.
 */
function pollQualityReport(
  config: Config,
  served: ServedModel,
  metrics: Metrics,
  log: FastifyBaseLogger,
): QualityReportPoller | undefined {
  if (served.registry === undefined || config.qualityReportPollSeconds === 0) return undefined;
  const poller = new QualityReportPoller({
    store: served.registry.store,
    model: served.registry.model,
    gauges: metrics.qualityReport,
    log,
  });
  poller.start(config.qualityReportPollSeconds * 1000);
  return poller;
}

/** The rollout's guardrails, checked on this replica while it follows a rollout. */
function watchGuardrails(
  config: Config,
  served: ServedModel,
  plan: RolloutPlan,
  metrics: Metrics,
  log: FastifyBaseLogger,
): GuardrailWatch | undefined {
  const follower = served.rollout;
  if (follower === undefined) return undefined;
  const watch = new GuardrailWatch({
    plan,
    metrics: metrics.rollout,
    drift: metrics.drift,
    stop: (reason) => follower.stopCandidate(reason),
    log,
  });
  watch.start(config.rollouts.guardrailCheckSeconds * 1000);
  return watch;
}

/** What is left of the shutdown budget after the drain, less a margin for the rest. */
function predictionLogDeadlineMs(config: Config): number {
  return Math.max(1, config.shutdownTimeoutSeconds - config.drainSeconds - 2) * 1000;
}

/**
 * SIGINT is a person at a terminal: stop now, no drain (during a SIGTERM drain it cuts the wait
 * short). Idle keep-alive connections (a browser's) close at once instead of after a grace; the
 * requests in progress are still answered. Under `npm start` one Ctrl-C arrives twice
 * (from the terminal and forwarded by npm), so only a SIGINT a second or more after the first
 * forces the exit, cutting whatever is in progress.
 */
function onInterrupt(log: FastifyBaseLogger, stop: () => void): void {
  let first: number | undefined;
  process.on("SIGINT", () => {
    if (first === undefined) {
      first = performance.now();
      stop();
    } else if (performance.now() - first >= 1000) {
      log.warn("second SIGINT: exiting without finishing the requests in progress");
      process.exit(130);
    }
  });
}

/** Before the logger exists: one structured line Cloud Logging understands, then exit 2. */
function exitOnBadConfig(message: string): never {
  process.stderr.write(`${JSON.stringify({ severity: "CRITICAL", message })}\n`);
  process.exit(2);
}

let config: Config;
try {
  config = loadConfig();
} catch (error) {
  exitOnBadConfig(error instanceof ConfigError ? error.message : describeError(error));
}
await main(config);

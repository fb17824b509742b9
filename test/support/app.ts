import { readFileSync } from "node:fs";
import path from "node:path";
import { buildApp } from "../../src/app.js";
import { BUILT_IN_MODEL_URI, loadConfig, type Config } from "../../src/config.js";
import { DataPlane, type DataPlaneLimits } from "../../src/dataplane/dataplane.js";
import { loadPinnedModel } from "../../src/lifecycle/pinned-source.js";
import { latestCompleteVersion } from "../../src/registry/versions.js";
import { FileStore } from "../../src/storage/file-store.js";
import type { LoadedModel } from "../../src/model/loaded-model.js";
import { ModelHolder, type VersionHooks } from "../../src/lifecycle/model-holder.js";
import { PRIMARY } from "../../src/lifecycle/model-set.js";
import type { Golden } from "../../src/model/golden.js";
import { Metrics } from "../../src/monitoring/metrics.js";
import {
  observeAll,
  type DataPlaneObserver,
  type ScoredBatch,
} from "../../src/dataplane/observer.js";
import type { PredictionLog } from "../../src/monitoring/prediction-log/prediction-log.js";
import type { App } from "../../src/protocols/fastify.js";

/** The committed default model's highest complete version, by the registry's one rule. */
const BUILT_IN_VERSION = await latestCompleteVersion(new FileStore(BUILT_IN_MODEL_URI), "");

/** The committed default model's version directory (models/lead-scoring/<highest>/). */
export function builtInVersionDir(): string {
  return path.join(BUILT_IN_MODEL_URI, builtInVersion());
}

/** The committed default model's version: the one its metadata.json and answers carry. */
export function builtInVersion(): string {
  if (BUILT_IN_VERSION === undefined)
    throw new Error(`no model version under ${BUILT_IN_MODEL_URI}`);
  return BUILT_IN_VERSION;
}

export function builtInGolden(): Golden {
  return JSON.parse(readFileSync(path.join(builtInVersionDir(), "golden.json"), "utf8")) as Golden;
}

let sharedModel: Promise<LoadedModel> | undefined;

/** The default model, loaded once per test file (loading proves it against golden.json). */
export function builtInModel(): Promise<LoadedModel> {
  sharedModel ??= loadPinnedModel(BUILT_IN_MODEL_URI, { threads: 1 });
  return sharedModel;
}

export interface TestApp {
  readonly app: App;
  readonly dataPlane: DataPlane;
  readonly metrics: Metrics;
  readonly holder: ModelHolder;
  readonly config: Config;
}

export interface TestAppOptions {
  /** Environment overrides, as the service would read them. */
  readonly env?: Record<string, string>;
  /** The model served at start (default: the built-in one; null: none). */
  readonly model?: LoadedModel | null;
  /** The data plane's limits (default: the config's). */
  readonly limits?: DataPlaneLimits;
  /** Makes the holder, given the hooks the app's metrics need (default: a plain ModelHolder). */
  readonly holder?: (hooks: VersionHooks) => ModelHolder;
  /** Observes scoring and takes /feedback outcomes, as server.ts wires it. */
  readonly predictionLog?: PredictionLog;
  /** The built web page to serve (test/support/web-page.ts); default dist/web. */
  readonly webRoot?: string;
}

/** Builds the real app around the default model (or another, or none), quiet. */
export async function buildTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  // No load shedding unless a test asks for it: on a loaded CI machine a test process's event
  // loop can stall past the default second (a model loading, the collector), and a 503 there
  // says nothing about the code under test.
  const config = loadConfig({ LOG_LEVEL: "silent", MAX_EVENT_LOOP_DELAY_MS: "0", ...options.env });
  const metrics = new Metrics({ processMetrics: false, drift: config.drift });
  const holder = options.holder?.(metrics) ?? new ModelHolder(PRIMARY, metrics);
  const model = options.model === undefined ? await builtInModel() : options.model;
  if (model !== null) await holder.swap(model);
  const { predictionLog } = options;
  const observer = predictionLog === undefined ? metrics : observeAll(metrics, predictionLog);
  const dataPlane = new DataPlane(holder, options.limits ?? config, observer, {
    idField: config.leadIdField,
  });
  const app = await buildApp({
    config,
    dataPlane,
    metrics,
    predictionLog,
    webRoot: options.webRoot,
  });
  await app.ready();
  return { app, dataPlane, metrics, holder, config };
}

/** Listens on 127.0.0.1 at a free port, for tests where the wire matters. */
export async function listenOnLoopback(app: App): Promise<{ url: string; port: number }> {
  const url = await app.listen({ port: 0, host: "127.0.0.1" });
  return { url, port: Number(new URL(url).port) };
}

/**
 * Every batch the app's data plane reports as scored from now on (its observer is the metrics
 * object, wrapped by nothing when there is no prediction log).
 */
export function recordScored(metrics: Metrics): ScoredBatch[] {
  const seen: ScoredBatch[] = [];
  const observer: DataPlaneObserver = metrics;
  observer.scored = (batch) => void seen.push(batch);
  return seen;
}

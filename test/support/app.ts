import { readFileSync } from "node:fs";
import path from "node:path";
import { buildApp } from "../../src/app.js";
import { BUILT_IN_MODEL_URI, loadConfig, type Config } from "../../src/config.js";
import { DataPlane } from "../../src/dataplane/dataplane.js";
import { loadPinnedModel } from "../../src/lifecycle/pinned-source.js";
import { latestCompleteVersion } from "../../src/registry/versions.js";
import { FileStore } from "../../src/storage/file-store.js";
import type { LoadedModel } from "../../src/model/loaded-model.js";
import { ModelHolder } from "../../src/lifecycle/model-holder.js";
import { PRIMARY } from "../../src/lifecycle/model-set.js";
import type { Golden } from "../../src/model/golden.js";
import { Metrics } from "../../src/monitoring/metrics.js";
import type { App } from "../../src/protocols/fastify.js";

/** The committed default model's highest complete version, by the registry's one rule. */
const BUILT_IN_VERSION = await latestCompleteVersion(new FileStore(BUILT_IN_MODEL_URI), "");

/** The committed default model's version directory (models/lead-scoring/<highest>/). */
export function builtInVersionDir(): string {
  if (BUILT_IN_VERSION === undefined)
    throw new Error(`no model version under ${BUILT_IN_MODEL_URI}`);
  return path.join(BUILT_IN_MODEL_URI, BUILT_IN_VERSION);
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

/**
 * Builds the real app around the default model (or none, with `model: null`), quiet, with
 * environment overrides as the service would read them.
 */
export async function buildTestApp(
  options: { env?: Record<string, string>; model?: LoadedModel | null } = {},
): Promise<TestApp> {
  const config = loadConfig({ LOG_LEVEL: "silent", ...options.env });
  const metrics = new Metrics({ processMetrics: false, drift: config.drift });
  const holder = new ModelHolder(PRIMARY, metrics);
  const model = options.model === undefined ? await builtInModel() : options.model;
  if (model !== null) await holder.swap(model);
  const dataPlane = new DataPlane(holder, config, metrics);
  const app = await buildApp({ config, dataPlane, metrics });
  await app.ready();
  return { app, dataPlane, metrics, holder, config };
}

/** Listens on 127.0.0.1 at a free port, for tests where the wire matters. */
export async function listenOnLoopback(app: App): Promise<{ url: string; port: number }> {
  const url = await app.listen({ port: 0, host: "127.0.0.1" });
  return { url, port: Number(new URL(url).port) };
}

import type { FastifyBaseLogger } from "fastify";
import type { Config } from "../config.js";
import type { OpenArtifactStoreOptions } from "../storage/open-store.js";
import { loadModelFromUri } from "../model/load-from-uri.js";
import type { LoadedModel } from "../model/loaded-model.js";
import type { ModelHolder } from "./model-holder.js";
import type { Metrics } from "../monitoring/metrics.js";
import { AliasFollower } from "./alias-follower.js";
import { parseAliasUri } from "../registry/model-uri.js";
import { openRegistryStore } from "../registry/open-registry-store.js";
import { Registry } from "../registry/registry.js";

export interface ServedModel {
  readonly model: LoadedModel;
  /** Stops following an alias (no-op for a pinned model). */
  stop(): Promise<void>;
}

/**
 * Loads the model MODEL_URI names into the holder. `…/<model>@<alias>` follows the alias for
 * as long as the process runs; anything else (a version directory, or a model directory served
 * at its highest version) is pinned and never changes.
 */
export async function serveConfiguredModel(
  config: Config,
  holder: ModelHolder,
  metrics: Metrics,
  log: FastifyBaseLogger,
): Promise<ServedModel> {
  const storage: OpenArtifactStoreOptions = {
    apiEndpoint: config.gcsApiEndpoint,
    retry: { totalTimeoutSeconds: config.modelLoadTimeoutSeconds },
    // Each retried Cloud Storage attempt is a warning, at boot and in the alias follower's polls.
    log,
  };
  const aliasUri = parseAliasUri(config.modelUri);
  if (aliasUri === undefined) {
    const model = await loadModelFromUri(config.modelUri, { threads: config.onnxThreads, storage });
    await holder.swap(model);
    metrics.modelLoaded(model);
    return { model, stop: () => Promise.resolve() };
  }
  const registry = new Registry(
    await openRegistryStore(aliasUri.registry, storage),
    aliasUri.model,
  );
  const follower = new AliasFollower({
    registry,
    alias: aliasUri.alias,
    holder,
    threads: config.onnxThreads,
    observer: metrics,
    log,
  });
  const model = await follower.loadInitial();
  follower.start(config.modelPollSeconds * 1000);
  return { model, stop: () => follower.stop() };
}

import type { FastifyBaseLogger } from "fastify";
import type { Config } from "../config.js";
import type { LoadedModel } from "../model/loaded-model.js";
import { parseAliasUri } from "../registry/model-uri.js";
import { Registry } from "../registry/registry.js";
import { openStore, type OpenStoreOptions } from "../storage/open-store.js";
import { AliasFollower } from "./alias-follower.js";
import type { LoadObserver } from "./load-observer.js";
import type { ModelHolder } from "./model-holder.js";
import { loadPinnedModel } from "./pinned-source.js";

export interface ServedModel {
  /** Undefined while waiting for an alias that does not exist yet (the process is not ready). */
  readonly model: LoadedModel | undefined;
  /** The registry an alias is followed in; undefined for a pinned model. */
  readonly registry: Registry | undefined;
  /** Stops following an alias (no-op for a pinned model). */
  stop(): Promise<void>;
}

/**
 * Loads the model MODEL_URI names into the holder. `…/<model>@<alias>` follows the alias for
 * as long as the process runs; anything else (a version directory, or a model directory served
 * at its highest version) is pinned and never changes. Every load, first or later, successful
 * or not, is reported to `observer`.
 */
export async function serveConfiguredModel(
  config: Config,
  holder: ModelHolder,
  observer: LoadObserver,
  log: FastifyBaseLogger,
): Promise<ServedModel> {
  const storage: OpenStoreOptions = {
    apiEndpoint: config.gcsApiEndpoint,
    retry: { totalTimeoutSeconds: config.modelLoadTimeoutSeconds },
    // Each retried Cloud Storage attempt is a warning, at boot and in the alias follower's polls.
    log,
  };
  try {
    const aliasUri = parseAliasUri(config.modelUri);
    if (aliasUri === undefined) {
      const model = await loadPinnedModel(config.modelUri, {
        threads: config.onnxThreads,
        scorer: config.scorer,
        onnxBatch: config.onnxBatch,
        storage,
      });
      await holder.swap(model);
      observer.modelLoaded(model);
      return { model, registry: undefined, stop: () => Promise.resolve() };
    }
    const registry = new Registry(await openStore(aliasUri.registry, storage), aliasUri.model);
    const follower = new AliasFollower({
      registry,
      alias: aliasUri.alias,
      holder,
      threads: config.onnxThreads,
      scorer: config.scorer,
      onnxBatch: config.onnxBatch,
      observer,
      log,
    });
    const model = await follower.loadInitial();
    follower.start(config.modelPollSeconds * 1000);
    return { model, registry, stop: () => follower.stop() };
  } catch (error) {
    observer.modelLoadFailed(undefined, error);
    throw error;
  }
}

import type { FastifyBaseLogger } from "fastify";
import type { Config } from "../config.js";
import type { LoadedModel } from "../model/loaded-model.js";
import type { LoadModelOptions } from "../model/load-model.js";
import { parseAliasUri } from "../registry/model-uri.js";
import { Registry } from "../registry/registry.js";
import { openStore, type OpenStoreOptions } from "../storage/open-store.js";
import { AliasFollower } from "./alias-follower.js";
import type { LoadObserver } from "./load-observer.js";
import type { ModelHolder } from "./model-holder.js";
import { loadPinnedModel } from "./pinned-source.js";
import { RolloutFollower } from "./rollout-follower.js";
import type { RolloutPlan } from "./rollout-plan.js";
import { Rollouts } from "../registry/rollouts.js";

export interface ServedModel {
  /** Undefined while waiting for an alias that does not exist yet (the process is not ready). */
  readonly model: LoadedModel | undefined;
  /** The registry an alias is followed in; undefined for a pinned model. */
  readonly registry: Registry | undefined;
  /** Follows the alias's rollout; undefined for a pinned model or with ROLLOUTS_ENABLED=false. */
  readonly rollout: RolloutFollower | undefined;
  /** Stops following an alias and its rollout (no-op for a pinned model). */
  stop(): Promise<void>;
}

/**
 * Loads the model MODEL_URI names into the holder. `…/<model>@<alias>` follows the alias for
 * as long as the process runs; anything else (a version directory, or a model directory served
 * at its highest version) is pinned and never changes. Every load, first or later, successful
 * or not, is reported to `observer`. With a `plan`, a followed alias's rollout state is followed
 * too, its candidate loaded into `plan.candidate`.
 */
export async function serveConfiguredModel(
  config: Config,
  holder: ModelHolder,
  observer: LoadObserver,
  log: FastifyBaseLogger,
  plan?: RolloutPlan,
): Promise<ServedModel> {
  const storage: OpenStoreOptions = {
    apiEndpoint: config.gcsApiEndpoint,
    retry: { totalTimeoutSeconds: config.modelLoadTimeoutSeconds },
    // Each retried Cloud Storage attempt is a warning, at boot and in the alias follower's polls.
    log,
  };
  // How every version this process serves is loaded: production, a new alias target, a candidate.
  const load: LoadModelOptions = {
    threads: config.onnxThreads,
    scorer: config.scorer,
    onnxBatch: config.onnxBatch,
  };
  try {
    const aliasUri = parseAliasUri(config.modelUri);
    if (aliasUri === undefined) {
      const model = await loadPinnedModel(config.modelUri, { ...load, storage });
      await holder.swap(model);
      observer.modelLoaded(model);
      return { model, registry: undefined, rollout: undefined, stop: () => Promise.resolve() };
    }
    const registry = new Registry(await openStore(aliasUri.registry, storage), aliasUri.model);
    const follower = new AliasFollower({
      registry,
      alias: aliasUri.alias,
      holder,
      ...load,
      observer,
      log,
    });
    const model = await follower.loadInitial();
    follower.start(config.modelPollSeconds * 1000);
    const rollout =
      plan === undefined || !config.rollouts.enabled
        ? undefined
        : new RolloutFollower({
            rollouts: new Rollouts(registry, aliasUri.alias),
            plan,
            ...load,
            observer,
            log,
            replica: process.env.HOSTNAME ?? `pid ${process.pid}`,
          });
    await rollout?.check();
    rollout?.start(config.modelPollSeconds * 1000);
    const stop = async () => {
      await follower.stop();
      await rollout?.stop();
    };
    return { model, registry, rollout, stop };
  } catch (error) {
    observer.modelLoadFailed(undefined, error);
    throw error;
  }
}

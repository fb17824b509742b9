import type { FastifyBaseLogger } from "fastify";
import { describeError, StorageUnavailableError } from "../errors.js";
import { loadModel, type LoadModelOptions } from "../model/load-model.js";
import type { LoadedModel } from "../model/loaded-model.js";
import type { LoadObserver } from "./load-observer.js";
import type { ModelHolder } from "./model-holder.js";
import { PollTimer } from "../poll-timer.js";
import type { Registry } from "../registry/registry.js";

/** The alias to follow, where versions go, and how to load each (LoadModelOptions). */
export interface AliasFollowerOptions extends LoadModelOptions {
  readonly registry: Registry;
  readonly alias: string;
  readonly holder: ModelHolder;
  readonly observer: LoadObserver;
  readonly log: FastifyBaseLogger;
  /**
   * While the alias does not exist, each poll says so, at most once per this many milliseconds
   * (default a minute): visible in the logs without repeating every few seconds.
   */
  readonly waitingLogIntervalMs?: number;
}

const DEFAULT_WAITING_LOG_INTERVAL_MS = 60_000;

/**
 * Serves the version an alias names and follows it. Polling reads only the alias file's
 * generation (a metadata call on GCS); only a changed generation reads the alias, and only a
 * changed version downloads, verifies (sha256), loads and golden-checks the new version before
 * the holder swaps it in. Requests in flight finish on the model they started with. Any failure
 * keeps the current model serving and is reported; the same alias generation is not retried
 * unless the failure was the storage being unavailable (transient). An alias that does not exist
 * yet is waited for: the process stays up and not ready, and serves once the alias is created.
 */
export class AliasFollower {
  private seenGeneration: string | undefined;
  private readonly polling = new PollTimer(() => this.poll());
  private lastWaitingLog: number | undefined;

  constructor(private readonly options: AliasFollowerOptions) {}

  /**
   * Loads the version the alias names now; undefined when the alias does not exist yet (polling
   * loads it once it does). Fails when the alias or its version is unusable.
   */
  async loadInitial(): Promise<LoadedModel | undefined> {
    const { registry, alias } = this.options;
    const state = await registry.alias(alias);
    if (state === undefined) {
      this.logWaiting();
      return undefined;
    }
    const model = await this.load(state.record.version);
    await this.options.holder.swap(model);
    this.seenGeneration = state.generation;
    this.options.observer.modelLoaded(model);
    return model;
  }

  /** Says what the process waits for, at most once per waitingLogIntervalMs. */
  private logWaiting(): void {
    const { registry, alias, log } = this.options;
    const interval = this.options.waitingLogIntervalMs ?? DEFAULT_WAITING_LOG_INTERVAL_MS;
    const now = performance.now();
    if (this.lastWaitingLog !== undefined && now - this.lastWaitingLog < interval) return;
    this.lastWaitingLog = now;
    const uri = `${registry.location}@${alias}`;
    log.warn(
      { alias, uri, aliasFile: `${registry.location}/aliases/${alias}.json` },
      `waiting for alias ${alias} to be created (${uri}); not ready until it names a version ` +
        `(lead-scoring registry promote <version> --alias ${alias})`,
    );
  }

  /** Loads, verifies (sha256) and golden-checks one version of the registry's model. */
  private load(version: string): Promise<LoadedModel> {
    const { registry } = this.options;
    return loadModel(registry.store, registry.versionPath(version), this.options);
  }

  /** Starts polling every `intervalMs`. The timer never keeps the process alive. */
  start(intervalMs: number): void {
    this.polling.start(intervalMs);
  }

  /** Stops polling and waits for a check in progress. */
  stop(): Promise<void> {
    return this.polling.stop();
  }

  /** One poll; concurrent calls share the check in progress. */
  check(): Promise<void> {
    return this.polling.check();
  }

  private async poll(): Promise<void> {
    const { registry, alias, holder, log, observer } = this.options;
    let version = "unknown";
    let attempted: string | undefined;
    try {
      const generation = await registry.aliasGeneration(alias);
      if (generation === undefined && holder.current() === undefined) this.logWaiting();
      if (generation === undefined || generation === this.seenGeneration) return;
      const state = await registry.alias(alias);
      if (state === undefined) return;
      version = state.record.version;
      attempted = state.generation;
      if (version === holder.current()?.version) {
        this.seenGeneration = state.generation;
        return;
      }
      log.info({ alias, version }, "alias moved: loading the new version");
      const model = await this.load(version);
      this.seenGeneration = state.generation;
      const previous = await holder.swap(model);
      observer.modelLoaded(model);
      const { scorerKind: scorer, scorerFallback } = model;
      log.info(
        { alias, version, previous: previous?.version, scorer, scorerFallback },
        previous === undefined ? "model ready" : "now serving the new version",
      );
    } catch (error) {
      // A broken version stays broken: wait for the alias to move again. A storage outage
      // may pass: try the same generation again at the next poll.
      if (!(error instanceof StorageUnavailableError) && attempted !== undefined) {
        this.seenGeneration = attempted;
      }
      observer.modelLoadFailed(version, error);
      log.error(
        { err: error, alias, version, serving: holder.current()?.version },
        `reload refused, still serving the current version: ${describeError(error)}`,
      );
    }
  }
}

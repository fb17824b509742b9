import { NotReadyError } from "../errors.js";
import type { LoadedModel } from "../model/loaded-model.js";

/**
 * Where a version's per-version resources begin and end: `serving` when it is swapped in,
 * `released` once it is out and its last lease has ended, right after its native session is
 * freed. Per-version state (drift windows, rollout counters) is created and dropped here.
 */
export interface VersionHooks {
  /** `model` now answers the requests of the holder named `holder`. */
  serving?(model: LoadedModel, holder: string): void;
  /** `model` is out of `holder` and no request uses it any more; its session is freed. */
  released?(model: LoadedModel, holder: string): void;
}

/**
 * Holds the version that answers requests under one name and swaps it atomically. A request
 * takes a lease on the current version once, at its start, and finishes on it even if a swap
 * happens meanwhile; a replaced version is released exactly when its last lease ends (at once if
 * it has none).
 */
export class ModelHolder {
  private active: LoadedModel | undefined;
  private readonly leases = new Map<LoadedModel, number>();
  private readonly retired = new Set<LoadedModel>();

  constructor(
    /** The name this holder serves under, e.g. "production". */
    readonly name: string = "production",
    private readonly hooks: VersionHooks = {},
  ) {}

  current(): LoadedModel | undefined {
    return this.active;
  }

  /** Leases held on `model` right now (requests running on it). */
  leasesOn(model: LoadedModel): number {
    return this.leases.get(model) ?? 0;
  }

  /** Runs `task` under a lease on the current version; NotReadyError when none is loaded. */
  async use<T>(task: (model: LoadedModel) => Promise<T>): Promise<T> {
    const model = this.active;
    if (model === undefined) throw new NotReadyError("no model is loaded yet");
    this.leases.set(model, this.leasesOn(model) + 1);
    try {
      return await task(model);
    } finally {
      const left = this.leasesOn(model) - 1;
      if (left > 0) this.leases.set(model, left);
      else {
        this.leases.delete(model);
        if (this.retired.delete(model)) await this.release(model);
      }
    }
  }

  /** Makes `next` the current version; the previous one is released once its leases end. */
  async swap(next: LoadedModel): Promise<LoadedModel | undefined> {
    const previous = this.active;
    this.active = next;
    // Swapped back in before its old leases ended: it must not be released when they do.
    this.retired.delete(next);
    if (previous !== next) this.hooks.serving?.(next, this.name);
    if (previous !== undefined && previous !== next) await this.retire(previous);
    return previous;
  }

  /** Stops serving (shutdown). Requests still running keep their version until they end. */
  async close(): Promise<void> {
    const model = this.active;
    this.active = undefined;
    if (model !== undefined) await this.retire(model);
  }

  private async retire(model: LoadedModel): Promise<void> {
    if (this.leases.has(model)) this.retired.add(model);
    else await this.release(model);
  }

  private async release(model: LoadedModel): Promise<void> {
    await model.release();
    this.hooks.released?.(model, this.name);
  }
}

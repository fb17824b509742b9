import { NotReadyError } from "../errors.js";
import type { LoadedModel } from "../model/loaded-model.js";

/**
 * Holds the model that answers requests and swaps it atomically. A request takes the current
 * model once, at its start, and finishes on it even if a swap happens meanwhile; a replaced
 * model's native session is released only when its last request has finished.
 */
export class ModelHolder {
  private active: LoadedModel | undefined;
  private readonly inFlight = new Map<LoadedModel, number>();
  private readonly retired = new Set<LoadedModel>();

  current(): LoadedModel | undefined {
    return this.active;
  }

  /** Runs `task` on the current model; throws NotReadyError when none is loaded. */
  async use<T>(task: (model: LoadedModel) => Promise<T>): Promise<T> {
    const model = this.active;
    if (model === undefined) throw new NotReadyError("no model is loaded yet");
    this.inFlight.set(model, (this.inFlight.get(model) ?? 0) + 1);
    try {
      return await task(model);
    } finally {
      const left = (this.inFlight.get(model) ?? 1) - 1;
      if (left > 0) this.inFlight.set(model, left);
      else {
        this.inFlight.delete(model);
        if (this.retired.delete(model)) await model.release();
      }
    }
  }

  /** Makes `next` the current model; the previous one is released once idle. */
  async swap(next: LoadedModel): Promise<LoadedModel | undefined> {
    const previous = this.active;
    this.active = next;
    if (previous !== undefined && previous !== next) {
      if (this.inFlight.has(previous)) this.retired.add(previous);
      else await previous.release();
    }
    return previous;
  }

  /** Releases the current model (shutdown). Requests still running keep theirs until done. */
  async close(): Promise<void> {
    const model = this.active;
    this.active = undefined;
    if (model === undefined) return;
    if (this.inFlight.has(model)) this.retired.add(model);
    else await model.release();
  }
}

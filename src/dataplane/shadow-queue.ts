import { performance } from "node:perf_hooks";
import type { ModelHolder } from "../lifecycle/model-holder.js";
import type { LoadedModel } from "../model/loaded-model.js";
import type { DataPlaneObserver, ScoredBatch } from "./observer.js";
import type { ScoringInput } from "./types.js";

export const DEFAULT_SHADOW_QUEUE_SIZE = 1000;

type ScoreInput = (model: LoadedModel, input: ScoringInput) => Promise<Float32Array>;

/**
 * Production batches waiting to be scored by the rollout's candidate, after their response has
 * gone out. Bounded: when the candidate cannot keep up, a new batch is dropped and counted
 * rather than held (memory) or waited for (latency). One batch per event-loop turn, so a burst
 * of shadow work never holds up the requests arriving meanwhile.
 */
export class ShadowQueue {
  private readonly waiting: ScoredBatch[] = [];
  private scheduled = false;

  constructor(
    private readonly candidate: ModelHolder,
    private readonly observer: DataPlaneObserver,
    readonly capacity: number,
    private readonly score: ScoreInput,
  ) {}

  /** Takes a batch production just scored; returns at once. */
  offer(batch: ScoredBatch): void {
    if (this.waiting.length >= this.capacity) {
      this.observer.shadowDropped?.(batch.model);
      return;
    }
    this.waiting.push(batch);
    this.schedule();
  }

  /** Batches waiting now. */
  get length(): number {
    return this.waiting.length;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // setImmediate: after the I/O phase, so the response this batch came from is written first.
    setImmediate(() => void this.next());
  }

  private async next(): Promise<void> {
    const batch = this.waiting.shift();
    if (batch !== undefined) await this.run(batch);
    this.scheduled = false;
    if (this.waiting.length > 0) this.schedule();
  }

  private async run(production: ScoredBatch): Promise<void> {
    const version = this.candidate.current();
    if (version === undefined) return; // the rollout ended meanwhile
    try {
      await this.candidate.use(async (candidate) => {
        const started = performance.now();
        const scores = await this.score(candidate, production.input);
        const seconds = (performance.now() - started) / 1000;
        this.observer.shadowScored?.({ production, candidate, scores, seconds });
      });
    } catch (error) {
      this.observer.shadowFailed?.(production.model, version, error);
    }
  }
}

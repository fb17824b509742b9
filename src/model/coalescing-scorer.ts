import type { Scorer } from "./scorer.js";

/** ONNX_BATCH_MAX_ROWS and ONNX_BATCH_WAIT_MS (README "Configuration"). */
export interface CoalescingOptions {
  /** Most rows one coalesced run carries; a call of this many rows or more runs alone. */
  readonly maxRows: number;
  /** While a run is in flight, how long a new call may wait for company (ms, ≤ 1). */
  readonly maxWaitMs: number;
}

interface Pending {
  readonly features: Float32Array;
  readonly rows: number;
  readonly resolve: (scores: Float32Array) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Adaptive micro-batching in front of a runtime with a high fixed cost per call: ONNX Runtime
 * through N-API costs tens of µs per `run` whatever its size, while a row costs far less. Calls
 * that arrive in the same event-loop turn (requests whose bodies were parsed in one poll) become
 * one run at the end of that turn. When the machine is idle a call therefore waits for nothing
 * but the rest of its turn; only while another run is in flight may it wait up to `maxWaitMs`
 * for more calls, since then it would queue behind that run anyway.
 *
 * Results and errors stay per call: each caller gets its own rows' scores, and when a coalesced
 * run fails, every call in it is run again alone, so one bad call fails only itself.
 *
 * The compiled trees need none of this: a tree walk has no per-call cost to share.
 */
export class CoalescingScorer implements Scorer {
  readonly kind;
  private pending: Pending[] = [];
  private pendingRows = 0;
  /** The flush to come: at the end of this turn, or after a wait while a run is in flight. */
  private scheduled: { immediate: NodeJS.Immediate } | { timeout: NodeJS.Timeout } | undefined;
  private inFlight = 0;

  constructor(
    private readonly inner: Scorer,
    private readonly options: CoalescingOptions,
  ) {
    this.kind = inner.kind;
  }

  score(features: Float32Array, rows: number): Promise<Float32Array> {
    if (rows >= this.options.maxRows) return this.run(features, rows);
    return new Promise((resolve, reject) => {
      if (this.pendingRows + rows > this.options.maxRows) this.flush();
      this.pending.push({ features, rows, resolve, reject });
      this.pendingRows += rows;
      this.scheduled ??=
        this.inFlight > 0 && this.options.maxWaitMs > 0
          ? { timeout: setTimeout(() => this.flush(), this.options.maxWaitMs) }
          : { immediate: setImmediate(() => this.flush()) };
    });
  }

  release(): Promise<void> {
    return this.inner.release();
  }

  private flush(): void {
    const scheduled = this.scheduled;
    this.scheduled = undefined;
    if (scheduled !== undefined && "timeout" in scheduled) clearTimeout(scheduled.timeout);
    if (scheduled !== undefined && "immediate" in scheduled) clearImmediate(scheduled.immediate);
    const calls = this.pending;
    const rows = this.pendingRows;
    this.pending = [];
    this.pendingRows = 0;
    if (calls.length === 1) {
      const [call] = calls as [Pending];
      this.run(call.features, call.rows).then(call.resolve, call.reject);
    } else if (calls.length > 1) {
      this.runTogether(calls, rows);
    }
  }

  private runTogether(calls: Pending[], rows: number): void {
    const width = calls[0]!.features.length / calls[0]!.rows;
    const features = new Float32Array(rows * width);
    let offset = 0;
    for (const call of calls) {
      features.set(call.features, offset * width);
      offset += call.rows;
    }
    this.run(features, rows).then(
      (scores) => {
        let start = 0;
        for (const call of calls) {
          call.resolve(scores.slice(start, start + call.rows));
          start += call.rows;
        }
      },
      // Which call broke the run is unknown: each is run alone and gets its own outcome.
      () => {
        for (const call of calls)
          this.run(call.features, call.rows).then(call.resolve, call.reject);
      },
    );
  }

  private async run(features: Float32Array, rows: number): Promise<Float32Array> {
    this.inFlight++;
    try {
      return await this.inner.score(features, rows);
    } finally {
      this.inFlight--;
      // A call waiting for company need not wait once the run it queued behind is done.
      if (this.inFlight === 0 && this.pending.length > 0 && this.options.maxWaitMs > 0) {
        this.flush();
      }
    }
  }
}

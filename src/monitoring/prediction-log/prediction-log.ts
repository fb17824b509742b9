import type { ScoredBatch, ShadowScored } from "../../dataplane/observer.js";
import type { RequestContext } from "../../dataplane/types.js";
import { describeError } from "../../errors.js";
import {
  FieldFilter,
  outcomeRecords,
  predictionRecords,
  type LogRecord,
  type Outcome,
} from "./record.js";
import type { Sampler } from "./sampler.js";
import type { LogBatch, LogSink } from "./sink.js";

/** Why records were dropped, as the metric labels them. */
export type DropReason = "buffer_full" | "shutdown" | "closed";

/** What the log reports; Metrics implements it. */
export interface PredictionLogObserver {
  logWritten(sink: string, kind: LogRecord["kind"], count: number): void;
  logDropped(reason: DropReason, count: number): void;
  logBuffered(count: number): void;
  logWriteFailed(sink: string): void;
}

export interface PredictionLogOptions {
  readonly sink: LogSink;
  readonly sampler: Sampler;
  readonly filter?: FieldFilter;
  /** Most records held while the sink is slow or down; more are dropped and counted. */
  readonly bufferRecords: number;
  /** A batch is written once this many records wait… */
  readonly batchRecords: number;
  /** …or this long after the first of them arrived. */
  readonly batchSeconds: number;
  readonly observer?: PredictionLogObserver;
  readonly log?: { warn(fields: Record<string, unknown>, message: string): void };
  /** First retry delay after a failed write; it doubles up to maxRetryDelayMs. */
  readonly retryDelayMs?: number;
  readonly maxRetryDelayMs?: number;
}

const quiet: PredictionLogObserver = {
  logWritten: () => undefined,
  logDropped: () => undefined,
  logBuffered: () => undefined,
  logWriteFailed: () => undefined,
};

/**
 * The prediction log: sampled records of scored instances and the outcomes posted to /feedback,
 * written to one sink in batches, entirely off the request path.
 *
 * - `scored` (the data plane's observer hook) only samples and defers: the records are built
 *   and queued in a later turn of the event loop, after the response has been written.
 * - Records wait in one bounded queue. A batch is written when `batchRecords` wait or
 *   `batchSeconds` after the first arrived. A failed write is retried (same batch: the sink
 *   never duplicates it) with a doubling delay; meanwhile records keep queueing up to
 *   `bufferRecords`, and beyond that new records are dropped and counted, never blocked on.
 * - `close()` (inside the drain, after the last request is answered) writes everything queued,
 *   retrying until its deadline; what is left then is dropped and counted.
 */
export class PredictionLog {
  private readonly queue: LogRecord[] = [];
  private readonly filter: FieldFilter;
  private readonly observer: PredictionLogObserver;
  private readonly retryDelayMs: number;
  private readonly maxRetryDelayMs: number;
  /** The batch being written or retried: always the front of the queue. */
  private pending: LogBatch | undefined;
  private seq = 0;
  /** The background loop writing batches, while it runs. */
  private running: Promise<void> | undefined;
  private batchTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Failed writes in a row: the back-off grows with them. */
  private failures = 0;
  /** flush() is retrying by itself: the background loop does not schedule retries. */
  private flushing = false;
  private closed = false;
  /** Deferred `scored` work not yet queued. */
  private deferred = 0;

  constructor(private readonly options: PredictionLogOptions) {
    this.filter = options.filter ?? new FieldFilter();
    this.observer = options.observer ?? quiet;
    this.retryDelayMs = options.retryDelayMs ?? 500;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 30_000;
  }

  get sinkName(): string {
    return this.options.sink.name;
  }

  /** Records waiting to be written (the buffer the bound applies to). */
  get size(): number {
    return this.queue.length;
  }

  /** The data plane's hook: samples now, builds and queues the records after the response. */
  scored(batch: ScoredBatch, shadow = false): void {
    const rows = this.options.sampler.rows(batch.scores.length);
    if (rows.length === 0) return;
    const time = new Date();
    this.deferred++;
    setImmediate(() => {
      this.deferred--;
      try {
        this.enqueue(predictionRecords(batch, rows, this.filter, time, shadow));
      } catch (error) {
        this.options.log?.warn({ err: error }, "prediction log: cannot build records");
      }
    });
  }

  /**
   * A rollout's candidate scored a production batch in shadow: its records carry `shadow: true`
   * and the candidate's version, so the monitoring job can judge the candidate on outcomes.
   */
  shadowScored({ production, candidate, scores }: ShadowScored): void {
    const threshold = production.labels === undefined ? undefined : production.input.threshold;
    const labels =
      threshold === undefined
        ? undefined
        : Uint8Array.from(scores, (score) => (score >= threshold ? 1 : 0));
    this.scored({ ...production, model: candidate, scores, labels }, true);
  }

  /** Outcomes from /feedback: queued at once (no I/O), written with the next batch. */
  outcomes(outcomes: readonly Outcome[], context: RequestContext): void {
    this.enqueue(outcomeRecords(outcomes, context, new Date()));
  }

  /** Writes everything queued now, retrying failed writes with the back-off, until done. */
  async flush(): Promise<void> {
    await this.settleDeferred();
    this.flushing = true;
    try {
      while (!this.closed && (this.queue.length > 0 || this.running !== undefined)) {
        if (this.running === undefined) {
          clearTimeout(this.retryTimer);
          this.retryTimer = undefined;
          this.kick();
        }
        await this.running;
        if (this.failures > 0 && !this.closed) await sleep(this.retryDelay());
      }
    } finally {
      this.flushing = false;
    }
  }

  /**
   * Writes everything queued, then refuses new records (dropped as "closed"). Gives up after
   * `timeoutMs`: what is still queued is dropped as "shutdown", so shutdown never hangs on a
   * sink that is down.
   */
  async close(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<"deadline">((resolve) => {
      timer = setTimeout(() => resolve("deadline"), timeoutMs);
    });
    await Promise.race([this.flush(), deadline]);
    clearTimeout(timer);
    this.closed = true;
    clearTimeout(this.batchTimer);
    clearTimeout(this.retryTimer);
    const left = this.queue.length;
    if (left > 0) {
      this.options.log?.warn(
        { sink: this.sinkName, dropped: left },
        `prediction log: ${left} records could not be written to ${this.sinkName} before shutdown`,
      );
      this.observer.logDropped("shutdown", left);
      this.queue.length = 0;
      this.observer.logBuffered(0);
    }
  }

  private enqueue(records: readonly LogRecord[]): void {
    if (this.closed) {
      this.observer.logDropped("closed", records.length);
      return;
    }
    const room = Math.max(0, this.options.bufferRecords - this.queue.length);
    const kept = records.length <= room ? records : records.slice(0, room);
    for (const record of kept) this.queue.push(record);
    if (kept.length < records.length) {
      this.observer.logDropped("buffer_full", records.length - kept.length);
    }
    this.observer.logBuffered(this.queue.length);
    if (this.queue.length >= this.options.batchRecords) {
      this.kick();
    } else {
      this.batchTimer ??= setTimeout(() => this.kick(), this.options.batchSeconds * 1000).unref();
    }
  }

  /** Starts the background loop unless it runs, a retry is scheduled, or nothing waits. */
  private kick(): void {
    clearTimeout(this.batchTimer);
    this.batchTimer = undefined;
    if (this.running !== undefined || this.retryTimer !== undefined) return;
    if (this.closed || this.queue.length === 0) return;
    this.running = this.writeAll().finally(() => (this.running = undefined));
  }

  /** Writes batch after batch until the queue is empty; after a failure, schedules a retry. */
  private async writeAll(): Promise<void> {
    while (this.queue.length > 0 && !this.closed) {
      if (!(await this.writeNext())) {
        if (!this.flushing && !this.closed) {
          this.retryTimer = setTimeout(() => {
            this.retryTimer = undefined;
            this.kick();
          }, this.retryDelay()).unref();
        }
        return;
      }
    }
  }

  /** Writes the front batch once; true when it was written. */
  private async writeNext(): Promise<boolean> {
    this.pending ??= {
      seq: this.seq++,
      createdAt: new Date(),
      records: this.queue.slice(0, this.options.batchRecords),
    };
    const batch = this.pending;
    const { sink } = this.options;
    try {
      await sink.write(batch);
    } catch (error) {
      this.failures++;
      this.observer.logWriteFailed(sink.name);
      this.options.log?.warn(
        { sink: sink.name, records: batch.records.length, queued: this.queue.length },
        `prediction log: cannot write ${batch.records.length} records to ${sink.name} ` +
          `(${describeError(error)}); ${this.queue.length} queued, retrying`,
      );
      return false;
    }
    this.failures = 0;
    this.pending = undefined;
    if (this.closed) return true; // given up on at the deadline: already counted as dropped
    this.queue.splice(0, batch.records.length);
    const predictions = batch.records.filter((record) => record.kind === "prediction").length;
    if (predictions > 0) this.observer.logWritten(sink.name, "prediction", predictions);
    if (predictions < batch.records.length) {
      this.observer.logWritten(sink.name, "outcome", batch.records.length - predictions);
    }
    this.observer.logBuffered(this.queue.length);
    return true;
  }

  private retryDelay(): number {
    const exponent = Math.max(0, this.failures - 1);
    return Math.min(this.maxRetryDelayMs, this.retryDelayMs * 2 ** exponent);
  }

  private async settleDeferred(): Promise<void> {
    while (this.deferred > 0) await new Promise((resolve) => setImmediate(resolve));
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

import type { LogRecord } from "./record.js";

/** Records written together; a failed batch is retried as the same batch (same seq, same time). */
export interface LogBatch {
  /** Per process, increasing: with the pod name it makes object names unique. */
  readonly seq: number;
  readonly createdAt: Date;
  readonly records: readonly LogRecord[];
}

/** Where batches go. `write` rejects when the batch may not be stored; it is retried later. */
export interface LogSink {
  readonly name: string;
  /**
   * Writes the whole batch. A retry of a batch that was partly written must not duplicate what
   * was written (the GCS sink's object names are fixed per batch, created only if absent).
   */
  write(batch: LogBatch): Promise<void>;
}

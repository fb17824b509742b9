import { PredictionLog } from "../../src/monitoring/prediction-log/prediction-log.js";
import type { LogRecord } from "../../src/monitoring/prediction-log/record.js";
import { Sampler } from "../../src/monitoring/prediction-log/sampler.js";
import type { LogBatch, LogSink } from "../../src/monitoring/prediction-log/sink.js";

/** A prediction-log sink in memory: what /feedback and scoring wrote, once flushed. */
export class MemorySink implements LogSink {
  readonly name = "memory";
  readonly batches: LogBatch[] = [];
  write(batch: LogBatch): Promise<void> {
    this.batches.push(batch);
    return Promise.resolve();
  }
  get records(): LogRecord[] {
    return this.batches.flatMap((batch) => batch.records);
  }
}

/** A prediction log that samples everything into `sink` and writes only when flushed. */
export function memoryPredictionLog(sink: MemorySink): PredictionLog {
  return new PredictionLog({
    sink,
    sampler: new Sampler(1),
    bufferRecords: 1000,
    batchRecords: 1000,
    batchSeconds: 60,
  });
}

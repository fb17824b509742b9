import type { PredictionLogConfig } from "../../config.js";
import { createStorageClient } from "../../storage/gcs-store.js";
import { PredictionLog, type PredictionLogOptions } from "./prediction-log.js";
import { FieldFilter } from "./record.js";
import { Sampler } from "./sampler.js";
import { GcsSink } from "./sinks/gcs.js";
import { StdoutSink } from "./sinks/stdout.js";

/** One failed write's HTTP request to Cloud Storage ends after this; the batch is retried. */
const GCS_REQUEST_TIMEOUT_MS = 10_000;

/** The prediction log the configuration asks for, or undefined when PREDICTION_LOG=off. */
export function openPredictionLog(
  config: PredictionLogConfig,
  gcs: { apiEndpoint?: string; projectId?: string },
  extra: Pick<PredictionLogOptions, "observer" | "log"> = {},
): PredictionLog | undefined {
  if (config.sink === "off") return undefined;
  const sink =
    config.sink === "stdout"
      ? new StdoutSink()
      : new GcsSink({
          uri: config.uri ?? "",
          storage: createStorageClient({ ...gcs, requestTimeoutMs: GCS_REQUEST_TIMEOUT_MS }),
        });
  return new PredictionLog({
    sink,
    sampler: new Sampler(config.sampleRate),
    filter: new FieldFilter({ fields: config.fields, excludeFields: config.excludeFields }),
    bufferRecords: config.bufferRecords,
    batchRecords: config.batchRecords,
    batchSeconds: config.batchSeconds,
    ...extra,
  });
}

import type { PredictionLogConfig } from "../../config.js";
import { PredictionLog, type PredictionLogOptions } from "./prediction-log.js";
import { FieldFilter } from "./record.js";
import type { LogSink } from "./sink.js";
import { Sampler } from "./sampler.js";
import { StdoutSink } from "./sinks/stdout.js";

/** One failed write's HTTP request to Cloud Storage ends after this; the batch is retried. */
const GCS_REQUEST_TIMEOUT_MS = 10_000;

/** The prediction log the configuration asks for, or undefined when PREDICTION_LOG=off. */
export async function openPredictionLog(
  config: PredictionLogConfig,
  gcs: { apiEndpoint?: string; projectId?: string },
  extra: Pick<PredictionLogOptions, "observer" | "log"> = {},
): Promise<PredictionLog | undefined> {
  if (config.sink === "off") return undefined;
  const sink = config.sink === "stdout" ? new StdoutSink() : await openGcsSink(config, gcs);
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

/**
 * Loaded on demand, like the artifact store's: the Cloud Storage client costs ~30 MB of memory
 * that a service logging to stdout (or not at all) never needs.
 */
async function openGcsSink(
  config: PredictionLogConfig,
  gcs: { apiEndpoint?: string; projectId?: string },
): Promise<LogSink> {
  const [{ createStorageClient }, { GcsSink }] = await Promise.all([
    import("../../storage/gcs-store.js"),
    import("./sinks/gcs.js"),
  ]);
  return new GcsSink({
    uri: config.uri ?? "",
    storage: createStorageClient({ ...gcs, requestTimeoutMs: GCS_REQUEST_TIMEOUT_MS }),
  });
}

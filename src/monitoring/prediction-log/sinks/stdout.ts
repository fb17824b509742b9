import { writeStdoutLines } from "../../../stdout-log.js";
import type { LogRecord } from "../record.js";
import type { LogBatch, LogSink } from "../sink.js";

/** The Cloud Logging label that marks prediction-log entries; a log sink filters on it. */
export const LOG_LABEL = "lead_scoring_log";

/**
 * One Cloud Logging structured entry per record, one JSON line each on stdout. The record's
 * `time` becomes the entry's timestamp; the label `lead_scoring_log` ("prediction" or
 * "outcome") tells these entries from the request log, so a Cloud Logging sink can route them
 * to BigQuery (README "Monitoring"); every other record field lands in `jsonPayload`.
 */
export class StdoutSink implements LogSink {
  readonly name = "stdout";

  constructor(private readonly out: (text: string) => void | Promise<void> = writeStdoutLines) {}

  async write(batch: LogBatch): Promise<void> {
    await this.out(batch.records.map((record) => `${JSON.stringify(logEntry(record))}\n`).join(""));
  }
}

export function logEntry(record: LogRecord): Record<string, unknown> {
  const message =
    record.kind === "prediction"
      ? `prediction ${record.model} ${record.model_version}`
      : `outcome ${record.converted ? "converted" : "not converted"}`;
  return {
    severity: "INFO",
    message,
    "logging.googleapis.com/labels": { [LOG_LABEL]: record.kind },
    ...record,
  };
}

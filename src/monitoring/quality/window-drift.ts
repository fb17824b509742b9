import { categoricalSlot, numericSlot, type DriftTables } from "../drift/bins.js";
import { fieldReport, type DriftThresholds, type FieldReport } from "../drift/field-report.js";
import type { PredictionRecord } from "../prediction-log/record.js";

/**
 * Drift of one version over the job's whole window (every replica's logged predictions) against
 * its training baseline: the service's bin tables (drift/bins.ts) and statistics
 * (drift/field-report.ts), counted over all records instead of a sliding window.
 */
export interface WindowDrift {
  readonly fields: FieldReport[];
  /** The score histogram; absent when the version has no score baseline. */
  readonly score?: FieldReport;
  /**
   * Model fields that no logged record carries at all: left out of the log by
   * PREDICTION_LOG_FIELDS / PREDICTION_LOG_EXCLUDE_FIELDS, not judged (they would look 100 %
   * missing).
   */
  readonly fields_not_logged: string[];
}

export function windowDrift(
  tables: DriftTables,
  predictions: readonly PredictionRecord[],
  thresholds: DriftThresholds,
): WindowDrift {
  const counts = new Float64Array(tables.width);
  const seen = new Set<string>();
  for (const prediction of predictions) {
    const fields = prediction.fields;
    if (fields !== null) {
      for (const field of tables.fields) {
        if (field.name in fields) seen.add(field.name);
        const value = fields[field.name];
        const slot =
          field.type === "numeric" ? numericSlot(field, value) : categoricalSlot(field, value);
        counts[field.offset + slot]!++;
      }
    }
    if (tables.score !== undefined) {
      counts[tables.score.offset + numericSlot(tables.score, prediction.score)]!++;
    }
  }
  const report = (field: DriftTables["fields"][number]) =>
    fieldReport(
      field,
      counts.subarray(field.offset, field.offset + field.labels.length),
      thresholds,
    );
  const logged = tables.fields.filter((field) => seen.has(field.name));
  return {
    fields: logged.map(report),
    ...(tables.score === undefined ? {} : { score: report(tables.score) }),
    fields_not_logged: tables.fields.filter((field) => !seen.has(field.name)).map((f) => f.name),
  };
}

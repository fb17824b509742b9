import type { ModelMetadata } from "../../model/metadata.js";
import type { PreprocessorSpec } from "../../model/preprocessor-spec.js";
import { compileDriftTables } from "../drift/bins.js";
import type { DriftThresholds } from "../drift/field-report.js";
import type { PredictionRecord } from "../prediction-log/record.js";
import { calibrationTable } from "./calibration.js";
import type { JoinedPair } from "./join.js";
import { QUALITY_METRICS, type QualityMetric } from "./latest.js";
import { qualityMetrics, rocCurve, type Pairs } from "./metrics.js";
import { rankingReport } from "./ranking-report.js";
import { driftAlerts, type VersionReport } from "./report.js";
import { windowDrift } from "./window-drift.js";

/** A version as the registry has it: what the job compares against. */
export interface RegisteredVersion {
  readonly metadata: ModelMetadata;
  readonly spec: PreprocessorSpec;
}

export interface JudgeSettings {
  readonly drift: DriftThresholds;
  /** Quality alert when ROC-AUC is more than this below the training ROC-AUC. */
  readonly maxAucDrop: number;
  /** Quality is judged only on at least this many joined outcomes. */
  readonly minOutcomes: number;
}

/** Threshold when metadata.json has none: pipeline/evaluate.py's default. */
export const DEFAULT_THRESHOLD = 0.5;

export function versionReport(
  version: string,
  predictions: readonly PredictionRecord[],
  joined: readonly JoinedPair[],
  registered: RegisteredVersion | undefined,
  settings: JudgeSettings,
): VersionReport {
  const pairs: Pairs = {
    scores: Float64Array.from(joined, (pair) => pair.prediction.score),
    labels: Uint8Array.from(joined, (pair) => (pair.converted ? 1 : 0)),
  };
  const metadataThreshold = registered?.metadata.metrics.threshold;
  const threshold = typeof metadataThreshold === "number" ? metadataThreshold : DEFAULT_THRESHOLD;
  const quality = qualityMetrics(pairs, threshold);
  const training = registered === undefined ? null : trainingMetrics(registered.metadata);

  const alerts: string[] = [];
  let drift: VersionReport["drift"] = null;
  let driftSkipped: string | undefined;
  if (registered === undefined) {
    driftSkipped = `version ${version} is not in the registry: no baseline to compare with`;
  } else {
    const tables = compileDriftTables(registered.metadata, registered.spec);
    if (tables === undefined) driftSkipped = `version ${version} has no baselines in metadata.json`;
    else {
      drift = windowDrift(tables, predictions, settings.drift);
      alerts.push(
        ...driftAlerts(drift.score === undefined ? drift.fields : [...drift.fields, drift.score]),
      );
    }
  }

  const { judged, note, alert } = judgeQuality(
    quality.roc_auc.value,
    training?.roc_auc,
    joined.length,
    settings,
  );
  if (alert !== undefined) alerts.push(alert);
  return {
    version,
    in_registry: registered !== undefined,
    predictions: predictions.length,
    outcomes_joined: joined.length,
    threshold,
    threshold_source: typeof metadataThreshold === "number" ? "metadata" : "default",
    quality,
    training,
    quality_judged: judged,
    quality_note: note,
    roc_curve: rocCurve(pairs) ?? null,
    calibration: calibrationTable(pairs),
    ranking: rankingReport(pairs, registered?.metadata),
    drift,
    ...(driftSkipped === undefined ? {} : { drift_skipped: driftSkipped }),
    alerts,
  };
}

function trainingMetrics(metadata: ModelMetadata): Partial<Record<QualityMetric, number>> {
  const out: Partial<Record<QualityMetric, number>> = {};
  for (const metric of QUALITY_METRICS) {
    const value = metadata.metrics[metric];
    if (typeof value === "number") out[metric] = value;
  }
  return out;
}

function judgeQuality(
  auc: number | null,
  trainingAuc: number | undefined,
  outcomes: number,
  settings: JudgeSettings,
): { judged: boolean; note: string; alert?: string } {
  if (outcomes < settings.minOutcomes) {
    return {
      judged: false,
      note: `${outcomes} joined outcomes, fewer than --min-outcomes ${settings.minOutcomes}: quality not judged`,
    };
  }
  if (trainingAuc === undefined) {
    return {
      judged: false,
      note: "no training roc_auc in the registry to compare with: quality not judged",
    };
  }
  if (auc === null) {
    return {
      judged: false,
      note: "ROC-AUC is undefined on the joined outcomes (one class only): quality not judged",
    };
  }
  const drop = trainingAuc - auc;
  const summary = `roc_auc ${auc.toFixed(4)} vs training ${trainingAuc.toFixed(4)} (drop ${drop.toFixed(4)}, max ${settings.maxAucDrop})`;
  return drop > settings.maxAucDrop
    ? { judged: true, note: summary, alert: `quality: ${summary}` }
    : { judged: true, note: summary };
}

import type { FieldBins } from "./bins.js";
import { jensenShannon, lInfinity, psi } from "./statistics.js";

export type DriftStatistic =
  "jensen_shannon" | "l_infinity" | "psi" | "missing_rate_delta" | "unseen_rate";

export interface BinReport {
  readonly label: string;
  /** Share in the training (or held-out, for the score) baseline. */
  readonly baseline: number;
  /** Share in the window; 0 when the window is empty. */
  readonly live: number;
  readonly count: number;
}

export interface FieldReport {
  readonly field: string;
  readonly type: "numeric" | "categorical";
  /** The statistic that alerts: Jensen–Shannon (numeric) or L-infinity (categorical). */
  readonly statistic: "jensen_shannon" | "l_infinity";
  /** Its value; null while the window holds no value to compare. */
  readonly value: number | null;
  readonly threshold: number;
  /** value > threshold. */
  readonly alerting: boolean;
  /** Every statistic of the field; null when undefined (empty window, or no such bin). */
  readonly statistics: Readonly<Record<DriftStatistic, number | null>>;
  /** Instances in the window that carried this field (raw instances). */
  readonly count: number;
  readonly bins: BinReport[];
}

/** The alert threshold of `field`: its own (DRIFT_THRESHOLDS), else the default. */
export interface DriftThresholds {
  /** Alert threshold of a field without its own. */
  readonly threshold: number;
  /** Per-field thresholds (field name → threshold); "score" is the prediction's. */
  readonly thresholds: ReadonlyMap<string, number>;
}

/**
 * One field's drift from its live counts per slot (`live`, the field's slots only) against its
 * baseline: the one definition the service's sliding window and the monitoring job's whole
 * window both report with.
 */
export function fieldReport(
  field: FieldBins,
  live: ArrayLike<number> & { subarray(start: number, end: number): ArrayLike<number> },
  thresholds: DriftThresholds,
): FieldReport {
  const slots = field.labels.length;
  let count = 0;
  for (let i = 0; i < slots; i++) count += live[i]!;
  const share = (slot: number) => (count > 0 ? live[slot]! / count : 0);
  const numeric = field.type === "numeric";
  // Numeric: the histogram of present values (missing has its own statistic); categorical:
  // every slot, "missing" and "unseen" included (Vertex AI compares category frequencies).
  const compared = numeric ? field.missingSlot : slots;
  const liveBins = live.subarray(0, compared);
  const baseBins = field.baseline.subarray(0, compared);
  const main = numeric ? jensenShannon(liveBins, baseBins) : lInfinity(liveBins, baseBins);
  const threshold = thresholds.thresholds.get(field.name) ?? thresholds.threshold;
  const orNull = (x: number) => (Number.isFinite(x) ? x : null);
  const value = orNull(main);
  return {
    field: field.name,
    type: field.type,
    statistic: numeric ? "jensen_shannon" : "l_infinity",
    value,
    threshold,
    alerting: value !== null && value > threshold,
    statistics: {
      jensen_shannon: numeric ? value : null,
      l_infinity: numeric ? null : value,
      psi: orNull(psi(liveBins, baseBins)),
      missing_rate_delta:
        count > 0 ? share(field.missingSlot) - field.baseline[field.missingSlot]! : null,
      unseen_rate: !numeric && count > 0 ? share(field.unseenSlot) : null,
    },
    count,
    bins: field.labels.map((label, slot) => ({
      label,
      baseline: field.baseline[slot]!,
      live: share(slot),
      count: live[slot]!,
    })),
  };
}

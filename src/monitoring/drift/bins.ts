import type { CategoricalBaseline, ModelMetadata, NumericBaseline } from "../../model/metadata.js";
import { PREPROCESSOR_V1, type PreprocessorSpec } from "../../model/preprocessor-spec.js";

/**
 * Per-field lookup tables compiled once per version from its metadata.json `baselines`: each
 * raw value maps to one slot of a flat count vector. A field owns the slots
 * [offset, offset + labels.length); the window counts per slot.
 *
 * - numeric: one slot per bin, then a "missing" slot. Bins follow pipeline/baselines.py
 *   (numpy.histogram): [e0, e1), …, [e_{k-1}, e_k] with the last bin closed, and a value outside
 *   [e0, e_k] in the nearest end bin.
 * - categorical: one slot per baseline category (the fill value, "missing", is one of them and
 *   takes every missing value, and from preprocessor format v2 on only those), then an "unseen"
 *   slot for categories the baseline does not list.
 *
 * Missing follows the preprocessor: absent, null, or one of preprocessor.json's missing_values
 * (for a numeric field, anything that is not a number: the preprocessor let nothing else through).
 */
export interface FieldBins {
  readonly name: string;
  readonly type: "numeric" | "categorical";
  /** First slot of this field in the flat count vector. */
  readonly offset: number;
  /** One label per slot: "[0, 2)", "API", "missing", "unseen". */
  readonly labels: readonly string[];
  /** Baseline share per slot (numeric: shares of all values, missing included). */
  readonly baseline: Float64Array;
  /** Slot (relative to offset) of a missing value. */
  readonly missingSlot: number;
  /** Slot (relative to offset) of an unseen category; -1 for numeric fields. */
  readonly unseenSlot: number;
  /** Numeric only: the bin edges (empty when training saw no value). */
  readonly edges: Float64Array;
  /** Categorical only: category → slot (relative to offset); missing sentinels → missingSlot. */
  readonly categories: ReadonlyMap<string, number>;
}

export interface DriftTables {
  readonly fields: readonly FieldBins[];
  /** Histogram of the predictions, when the version has a score baseline. */
  readonly score: FieldBins | undefined;
  /** Slots in all: the length of the flat count vector. */
  readonly width: number;
}

export const MISSING_LABEL = "missing";
export const UNSEEN_LABEL = "unseen";

/** Bin of `value` among `edges` (length ≥ 2): numpy.histogram's rule, clamped to the end bins. */
export function numericBin(edges: Float64Array, value: number): number {
  // Number of edges ≤ value (binary search), minus one; the last edge closes the last bin.
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (edges[mid]! <= value) lo = mid + 1;
    else hi = mid;
  }
  const last = edges.length - 2;
  const bin = lo - 1;
  return bin < 0 ? 0 : bin > last ? last : bin;
}

/** Slot (relative to the field's offset) of one raw value of a numeric field. */
export function numericSlot(field: FieldBins, value: unknown): number {
  if (typeof value !== "number" || field.edges.length < 2) return field.missingSlot;
  return numericBin(field.edges, value);
}

/**
 * Slot (relative to the field's offset) of one raw value of a categorical field: one Map lookup,
 * since the missing sentinels are keys of `categories` too.
 */
export function categoricalSlot(field: FieldBins, value: unknown): number {
  if (typeof value !== "string") return field.missingSlot;
  return field.categories.get(value) ?? field.unseenSlot;
}

function interval(edges: Float64Array, i: number): string {
  return `[${edges[i]}, ${edges[i + 1]}${i === edges.length - 2 ? "]" : ")"}`;
}

function numericBins(name: string, baseline: NumericBaseline, offset: number): FieldBins {
  const edges = Float64Array.from(baseline.bin_edges);
  const bins = Math.max(edges.length - 1, 0);
  if (baseline.frequencies.length !== bins) {
    throw new RangeError(`baseline of "${name}": ${edges.length} edges, ${bins} frequencies`);
  }
  const present = 1 - baseline.missing_fraction;
  const shares = baseline.frequencies.map((f) => f * present);
  return {
    name,
    type: "numeric",
    offset,
    labels: [...Array.from({ length: bins }, (_, i) => interval(edges, i)), MISSING_LABEL],
    baseline: Float64Array.from([...shares, baseline.missing_fraction]),
    missingSlot: bins,
    unseenSlot: -1,
    edges,
    categories: new Map(),
  };
}

function categoricalBins(
  name: string,
  baseline: CategoricalBaseline,
  fill: string,
  missingValues: readonly string[],
  offset: number,
  reservedFill: boolean,
): FieldBins {
  const labels = Object.keys(baseline.frequencies);
  if (!labels.includes(fill)) labels.push(fill);
  const categories = new Map(labels.map((label, i) => [label, i]));
  const missingSlot = categories.get(fill)!;
  // preprocessor.json v2: a request string equal to the fill value is an unseen category, as the
  // model scores it; only missing values count in the fill value's slot.
  if (reservedFill) categories.delete(fill);
  for (const sentinel of missingValues) categories.set(sentinel, missingSlot);
  const shares = labels.map((label) => baseline.frequencies[label] ?? 0);
  // Training categories the baseline does not list (none today) are what "unseen" means there.
  const listed = shares.reduce((a, b) => a + b, 0);
  return {
    name,
    type: "categorical",
    offset,
    labels: [...labels, UNSEEN_LABEL],
    baseline: Float64Array.from([...shares, Math.max(0, 1 - listed)]),
    missingSlot,
    unseenSlot: labels.length,
    edges: new Float64Array(0),
    categories,
  };
}

/** What the tables are compiled from: a version's metadata.json baselines. */
export type DriftBaselines = Pick<ModelMetadata, "baselines" | "score_baseline">;

/**
 * The tables of one version, or undefined when its metadata.json has no baselines. Only the
 * raw fields the preprocessor reads get tables (so exported series stay bounded by the model).
 * It takes the two artifacts it reads, not a loaded model, so that the monitoring job compiles
 * the same tables without loading ONNX.
 */
export function compileDriftTables(
  metadata: DriftBaselines,
  spec: PreprocessorSpec,
): DriftTables | undefined {
  const { baselines, score_baseline: scoreBaseline } = metadata;
  const fields: FieldBins[] = [];
  let width = 0;
  for (const field of spec.fields) {
    const baseline = baselines?.[field.name];
    if (
      baseline === undefined ||
      baseline.type !== (field.type === "numeric" ? "numeric" : "categorical")
    ) {
      continue;
    }
    const bins =
      baseline.type === "numeric"
        ? numericBins(field.name, baseline, width)
        : categoricalBins(
            field.name,
            baseline,
            field.type === "categorical" ? field.fill_value : MISSING_LABEL,
            spec.missing_values,
            width,
            spec.format !== PREPROCESSOR_V1,
          );
    fields.push(bins);
    width += bins.labels.length;
  }
  const score =
    scoreBaseline === undefined ? undefined : numericBins("score", scoreBaseline, width);
  if (score !== undefined) width += score.labels.length;
  if (fields.length === 0 && score === undefined) return undefined;
  return { fields, score, width };
}

import type { FieldColumns } from "../field-columns.js";
import { mulberry32, shuffle } from "./prng.js";
import type { InstanceExplanation, OutputSpace, RowScorer } from "./types.js";

/** Probabilities are clamped this far from 0 and 1 before taking log-odds (float32 outputs). */
const PROBABILITY_EPSILON = 1e-7;

/**
 * Sampled Shapley over raw input fields (Vertex AI's method, Štrumbelj & Kononenko 2014), for
 * any model the service can score, tree structure or not. For each of `pathCount` random
 * permutations of the fields, start from the baseline instance, switch fields to the instance's
 * values one at a time in permutation order, and credit each output change to the field just
 * switched; a field's attribution is its mean over the paths.
 *
 * Outputs are taken in the same space as TreeSHAP (log-odds of the ONNX probability for a binary
 * model), so the two methods are comparable and each path telescopes to exactly
 * instance output − baseline output. Preprocessing is per field, so a mixed instance is a copy of
 * column blocks: every row of a request is built into one Float32Array and scored in ONE ONNX
 * run. The baseline row and its output are computed once, at load.
 */
export class SampledShapley {
  private constructor(
    private readonly fields: FieldColumns,
    private readonly baselineRow: Float32Array,
    readonly baselineOutput: number,
    private readonly toSpace: (score: number) => number,
  ) {}

  static async create(
    fields: FieldColumns,
    baselineRow: Float32Array,
    space: OutputSpace,
    score: RowScorer,
  ): Promise<SampledShapley> {
    const toSpace = space === "log_odds" ? logOdds : (value: number) => value;
    const [baseline] = await score(baselineRow, 1);
    return new SampledShapley(fields, baselineRow, toSpace(baseline ?? Number.NaN), toSpace);
  }

  /** Rows one instance needs: itself, then F − 1 mixed rows per path (the F-th is the instance). */
  rowsPerInstance(pathCount: number): number {
    return 1 + pathCount * (this.fields.count - 1);
  }

  /**
   * Explains `count` preprocessed rows of `features`; returns each instance's own score (its
   * prediction) alongside its attributions. Reproducible for a given seed.
   */
  async explain(
    features: Float32Array,
    count: number,
    score: RowScorer,
    pathCount: number,
    seed: number,
  ): Promise<{ scores: Float32Array; explanations: InstanceExplanation[] }> {
    const fieldCount = this.fields.count;
    const width = this.fields.width;
    const perInstance = this.rowsPerInstance(pathCount);
    const random = mulberry32(seed);
    const orders = new Int32Array(count * pathCount * fieldCount);
    const rows = new Float32Array(count * perInstance * width);
    for (let i = 0; i < count; i++) {
      const first = i * perInstance;
      rows.set(features.subarray(i * width, (i + 1) * width), first * width);
      for (let p = 0; p < pathCount; p++) {
        const order = orders.subarray(
          (i * pathCount + p) * fieldCount,
          (i * pathCount + p + 1) * fieldCount,
        );
        for (let f = 0; f < fieldCount; f++) order[f] = f;
        shuffle(order, random);
        this.buildPath(rows, first * width, first + 1 + p * (fieldCount - 1), order);
      }
    }

    const scored = await score(rows, count * perInstance);
    const scores = new Float32Array(count);
    const explanations: InstanceExplanation[] = [];
    const sum = new Float64Array(fieldCount);
    const sumSquares = new Float64Array(fieldCount);
    for (let i = 0; i < count; i++) {
      const first = i * perInstance;
      scores[i] = scored[first]!;
      const instanceOutput = this.toSpace(scored[first]!);
      sum.fill(0);
      sumSquares.fill(0);
      for (let p = 0; p < pathCount; p++) {
        const order = (i * pathCount + p) * fieldCount;
        const pathFirst = first + 1 + p * (fieldCount - 1);
        let previous = this.baselineOutput;
        for (let k = 0; k < fieldCount; k++) {
          const current =
            k === fieldCount - 1 ? instanceOutput : this.toSpace(scored[pathFirst + k]!);
          const field = orders[order + k]!;
          const change = current - previous;
          sum[field]! += change;
          sumSquares[field]! += change * change;
          previous = current;
        }
      }
      explanations.push({
        baselineOutput: this.baselineOutput,
        instanceOutput,
        attributions: sum.map((total) => total / pathCount),
        approximationError: standardError(sum, sumSquares, pathCount),
      });
    }
    return { scores, explanations };
  }

  /**
   * Writes one path's mixed rows starting at row `at`: row k is the baseline with the first
   * k + 1 fields of `order` switched to the instance (at `rows[instance..]`).
   */
  private buildPath(rows: Float32Array, instance: number, at: number, order: Int32Array): void {
    const width = this.fields.width;
    for (let k = 0; k < order.length - 1; k++) {
      const row = (at + k) * width;
      if (k === 0) rows.set(this.baselineRow, row);
      else rows.copyWithin(row, row - width, row);
      this.fields.copyField(order[k]!, rows, instance, rows, row);
    }
  }
}

/** log(p / (1 − p)), with p kept inside float32's resolution of 0 and 1. */
function logOdds(probability: number): number {
  const p = Math.min(Math.max(probability, PROBABILITY_EPSILON), 1 - PROBABILITY_EPSILON);
  return Math.log(p / (1 - p));
}

/**
 * The sampling error of the attribution vector: √(Σ_f s_f² / P), the Euclidean norm of each
 * field's standard error of the mean over the P paths (s_f² the unbiased sample variance of its
 * per-path contributions). It shrinks as 1/√P; one path gives no spread to measure, hence null.
 */
function standardError(sum: Float64Array, sumSquares: Float64Array, paths: number): number | null {
  if (paths < 2) return null;
  let variance = 0;
  for (let f = 0; f < sum.length; f++) {
    variance += Math.max(0, (sumSquares[f]! - (sum[f]! * sum[f]!) / paths) / (paths - 1));
  }
  return Math.sqrt(variance / paths);
}

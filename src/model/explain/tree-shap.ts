import { LeafTables } from "./leaf-tables.js";
import { ShapPath } from "./shap-path.js";
import { TreeEnsemble } from "./tree-ensemble.js";
import type { XGBoostModel } from "./xgboost-json.js";

/** float32 values the precomputed leaf tables may take per model (16 MiB); deeper models recurse. */
export const DEFAULT_TABLE_BUDGET = 4 * 1024 * 1024;

export interface TreeShapOptions {
  /** Most values to spend on precomputed leaf tables; 0 = always run Algorithm 2 per row. */
  readonly tableBudget?: number;
}

/**
 * Exact path-dependent TreeSHAP (Lundberg, Erion, Lee 2018, Algorithm 2) over an XGBoost
 * ensemble, reproducing XGBoost's `pred_contribs`: one value per preprocessed column plus the
 * bias, in margin space (log-odds for binary:logistic), Σ = margin.
 *
 * Everything is prepared at load: the flat ensemble, the path buffers, and, when they fit the
 * budget, per-leaf tables that turn the per-row work into lookups (leaf-tables.ts). Without
 * tables it runs Algorithm 2's recursion over the shared path buffers; a call allocates nothing.
 * JavaScript runs one call at a time and `contributions` is synchronous, so sharing is safe.
 */
export class TreeShap {
  readonly ensemble: TreeEnsemble;
  /** Whether per-leaf tables are in use (false: Algorithm 2 recursion per row). */
  readonly tabulated: boolean;
  private readonly tables: LeafTables | undefined;
  private readonly path: ShapPath;

  // The row and output of the recursion in progress (saves passing them down every level).
  private row: Float32Array = new Float32Array(0);
  private rowOffset = 0;
  private phi: Float64Array = new Float64Array(0);

  constructor(model: XGBoostModel, options: TreeShapOptions = {}) {
    this.ensemble = new TreeEnsemble(model);
    this.path = new ShapPath(ShapPath.sizeFor(this.ensemble.depth));
    this.tables = LeafTables.build(this.ensemble, options.tableBudget ?? DEFAULT_TABLE_BUDGET);
    this.tabulated = this.tables !== undefined;
  }

  /** Number of preprocessed columns. */
  get width(): number {
    return this.ensemble.width;
  }

  /** Expected margin: the bias column, and what attributions are measured against. */
  get bias(): number {
    return this.ensemble.bias;
  }

  /**
   * Writes the SHAP values of the row at `features[offset .. offset + width)` into
   * `out[0 .. width)` and the bias into `out[width]`; Σ out = margin(row).
   */
  contributions(features: Float32Array, offset: number, out: Float64Array): void {
    out.fill(0, 0, this.width);
    out[this.width] = this.bias;
    if (this.tables !== undefined) {
      this.tables.add(features, offset, out);
      return;
    }
    this.row = features;
    this.rowOffset = offset;
    this.phi = out;
    for (const root of this.ensemble.roots) this.recurse(root, 0, 0, 1, 1, -1);
  }

  /**
   * `contributions` for `rows` consecutive rows: row r's `width + 1` values go to
   * `out[r·(width + 1) ..]`. With tables, a batch shares each tree's tables across its rows.
   */
  contributionsBatch(features: Float32Array, rows: number, out: Float64Array): void {
    const stride = this.width + 1;
    if (this.tables === undefined) {
      for (let r = 0; r < rows; r++) {
        this.contributions(features, r * this.width, out.subarray(r * stride, (r + 1) * stride));
      }
      return;
    }
    out.fill(0, 0, rows * stride);
    for (let r = 0; r < rows; r++) {
      out[r * stride + this.width] = this.bias;
      this.tables.add(features, r * this.width, out, r * stride);
    }
  }

  /** The row's margin by walking every tree. */
  margin(features: Float32Array, offset: number): number {
    return this.ensemble.margin(features, offset);
  }

  /**
   * Algorithm 2's RECURSE without conditioning, mirroring xgboost src/predictor/treeshap.cc.
   * `parentStart` is where the parent's path begins; this level's copy starts right after it.
   */
  private recurse(
    node: number,
    uniqueDepth: number,
    parentStart: number,
    zeroFraction: number,
    oneFraction: number,
    featureIndex: number,
  ): void {
    const path = this.path;
    const trees = this.ensemble;
    const start = parentStart + uniqueDepth + 1;
    path.copy(parentStart, start, uniqueDepth + 1);
    path.extend(start, uniqueDepth, zeroFraction, oneFraction, featureIndex);

    const left = trees.left[node]!;
    if (left < 0) {
      const value = trees.leafValue[node]!;
      for (let i = 1; i <= uniqueDepth; i++) {
        const at = start + i;
        const w = path.unwoundSum(start, uniqueDepth, i);
        this.phi[path.feature[at]!]! += w * (path.one[at]! - path.zero[at]!) * value;
      }
      return;
    }

    const split = trees.feature[node]!;
    const hot = trees.next(node, this.row[this.rowOffset + split]!);
    const cold = hot === left ? trees.right[node]! : left;
    const cover = trees.cover[node]!;
    let incomingZero = 1;
    let incomingOne = 1;
    let depth = uniqueDepth;
    // A feature already on the path is unwound and re-extended here with the combined fractions.
    for (let i = 0; i <= depth; i++) {
      if (path.feature[start + i] === split) {
        incomingZero = path.zero[start + i]!;
        incomingOne = path.one[start + i]!;
        path.unwind(start, depth, i);
        depth -= 1;
        break;
      }
    }
    const hotZero = (trees.cover[hot]! / cover) * incomingZero;
    const coldZero = (trees.cover[cold]! / cover) * incomingZero;
    this.recurse(hot, depth + 1, start, hotZero, incomingOne, split);
    this.recurse(cold, depth + 1, start, coldZero, 0, split);
  }
}

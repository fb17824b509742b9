import type { XGBoostModel } from "./explain/xgboost-json.js";
import type { Scorer } from "./scorer.js";
import { layoutTrees } from "./tree-layout.js";
import { TreeWalk } from "./tree-walk.js";

/**
 * XGBoost's ensemble compiled once at load into node records (tree-layout.ts) walked by a small
 * WebAssembly kernel (tree-walk.wat): ~100 trees of depth 6 cost about a microsecond a row,
 * where a call into ONNX Runtime through N-API costs tens of microseconds before any tree is
 * walked.
 *
 * The walk is branchless and fixed-depth, four rows at a time: each step picks the child by
 * arithmetic on the comparison, so no branch is mispredicted (half of them were, in the
 * one-row-at-a-time walk this replaced) and the loads of four rows overlap. Measured on the
 * tree walk alone (µs a lead, 50,000 generated leads, one core): the branchy typed-array walk
 * 2.82, the same branchless walk in JS with four rows interleaved 1.62, this kernel 1.06; why
 * WebAssembly and not that JS: tree-walk.wat; `lead-scoring score`'s figures: docs/artifacts.md.
 *
 * It reproduces XGBoost's CPU predictor (src/predictor/cpu_predictor.cc, common/math.h) bit for
 * bit, which the test against XGBoost's own outputs (test/model/tree-scorer.test.ts) proves:
 * - a feature is a float32 (the rows are a Float32Array) compared `<` the float32 split;
 * - a missing value (NaN) goes to the node's default child;
 * - the margin starts from base_score in margin space, as a float32, and adds each tree's leaf
 *   in tree order, rounding to float32 after every addition (XGBoost's output buffer is float);
 * - the objective's transform is XGBoost's float32 sigmoid.
 */
export class TreeScorer implements Scorer {
  readonly kind = "trees";
  /** Number of feature columns (XGBoost's num_feature). */
  readonly width: number;
  /** The float32 margin every row starts from. */
  readonly baseMargin: number;

  private readonly walk: TreeWalk;
  private readonly transform: (margin: number) => number;

  constructor(model: XGBoostModel) {
    this.width = model.numFeature;
    this.baseMargin = BASE_MARGIN[model.objective](model.baseScore);
    this.transform = TRANSFORM[model.objective];
    this.walk = new TreeWalk(layoutTrees(model.trees, this.width), this.width, this.baseMargin);
  }

  score(features: Float32Array, rows: number): Promise<Float32Array> {
    const out = this.margins(features, rows);
    for (let row = 0; row < rows; row++) out[row] = this.transform(out[row]!);
    return Promise.resolve(out);
  }

  /** XGBoost's `predict(output_margin=True)` of each row, as float32. */
  margins(features: Float32Array, rows: number): Float32Array {
    return this.walk.margins(features, rows);
  }

  release(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * base_score → the float32 margin XGBoost starts from. binary:logistic's ProbToMargin is
 * `-logf(1.0f / base_score - 1.0f)` in float32 (measured against XGBoost 3.2 on 300 base
 * scores: the double logit differs by an ulp in a third of them).
 */
const BASE_MARGIN = {
  "binary:logistic": (p: number) => {
    const score = Math.fround(p);
    return Math.fround(-Math.log(Math.fround(Math.fround(1 / score) - 1)));
  },
  "reg:squarederror": (value: number) => Math.fround(value),
} as const;

/** XGBoost's float32 sigmoid (common/math.h): 1 / (expf(min(-x, 88.7)) + 1). */
const SIGMOID_CLAMP = Math.fround(88.7);
const TRANSFORM = {
  "binary:logistic": (margin: number) =>
    Math.fround(1 / Math.fround(Math.fround(Math.exp(Math.min(-margin, SIGMOID_CLAMP))) + 1)),
  "reg:squarederror": (margin: number) => margin,
} as const;

import { ArtifactError } from "../errors.js";
import type { XGBoostModel } from "./explain/xgboost-json.js";
import type { Scorer } from "./scorer.js";

/**
 * XGBoost's ensemble compiled once at load into flat typed arrays and walked in plain
 * TypeScript: ~100 trees of depth 6 cost a few microseconds a row, where a call into ONNX
 * Runtime through N-API costs tens of microseconds before any tree is walked.
 *
 * It reproduces XGBoost's CPU predictor (src/predictor/cpu_predictor.cc, common/math.h) bit for
 * bit, which the test against XGBoost's own outputs (test/model/tree-scorer.test.ts) proves:
 * - a feature is a float32 (the rows are a Float32Array) compared `<` the float32 split;
 * - a missing value (NaN) goes to the node's default child;
 * - the margin starts from base_score in margin space, as a float32, and adds each tree's leaf
 *   in tree order, rounding to float32 after every addition (XGBoost's output buffer is float);
 * - the objective's transform is XGBoost's float32 sigmoid.
 * Typed arrays measured faster than code generated with `new Function` (docs/artifacts.md).
 */
export class TreeScorer implements Scorer {
  readonly kind = "trees";
  /** Number of feature columns (XGBoost's num_feature). */
  readonly width: number;
  /** The float32 margin every row starts from. */
  readonly baseMargin: number;

  private readonly roots: Int32Array;
  private readonly feature: Int32Array;
  // Node n is a leaf when left[n] < 0; then value[n] is its leaf value, else its split.
  private readonly value: Float32Array;
  private readonly left: Int32Array;
  private readonly right: Int32Array;
  /** The child a missing value goes to (XGBoost's default_left picks left or right). */
  private readonly missing: Int32Array;
  private readonly transform: (margin: number) => number;

  constructor(model: XGBoostModel) {
    this.width = model.numFeature;
    this.baseMargin = BASE_MARGIN[model.objective](model.baseScore);
    this.transform = TRANSFORM[model.objective];
    const total = model.trees.reduce((sum, tree) => sum + tree.left_children.length, 0);
    this.roots = new Int32Array(model.trees.length);
    this.feature = new Int32Array(total);
    this.value = new Float32Array(total);
    this.left = new Int32Array(total);
    this.right = new Int32Array(total);
    this.missing = new Int32Array(total);
    let base = 0;
    model.trees.forEach((tree, t) => {
      this.roots[t] = base;
      for (let node = 0; node < tree.left_children.length; node++) {
        const at = base + node;
        const left = tree.left_children[node]!;
        const right = tree.right_children[node]!;
        this.feature[at] = tree.split_indices[node]!;
        this.value[at] = tree.split_conditions[node]!;
        this.left[at] = left < 0 ? -1 : base + left;
        this.right[at] = left < 0 ? -1 : base + right;
        this.missing[at] = Number(tree.default_left[node]!) === 1 ? this.left[at] : this.right[at];
      }
      base += tree.left_children.length;
    });
    this.checkAcyclic();
  }

  score(features: Float32Array, rows: number): Promise<Float32Array> {
    const out = this.margins(features, rows);
    for (let row = 0; row < rows; row++) out[row] = this.transform(out[row]!);
    return Promise.resolve(out);
  }

  /** XGBoost's `predict(output_margin=True)` of each row, as float32. */
  margins(features: Float32Array, rows: number): Float32Array {
    const { roots, feature, value, left, right, missing, width } = this;
    const out = new Float32Array(rows);
    for (let row = 0, offset = 0; row < rows; row++, offset += width) {
      // The sum lives in `out`: a store rounds to float32 exactly as Math.fround does, and a
      // local `sum = Math.fround(sum + leaf)` was boxed by V8 (Node 24) into a new heap number
      // per tree, ~1.5 KB of garbage per row (measured: 77 scavenges per 200,000 rows, none now).
      out[row] = this.baseMargin;
      for (let t = 0; t < roots.length; t++) {
        let node = roots[t]!;
        let next = left[node]!;
        while (next >= 0) {
          const x = features[offset + feature[node]!]!;
          const split = value[node]!;
          // NaN fails both comparisons: it is the missing value and takes the default child.
          node = x < split ? next : x >= split ? right[node]! : missing[node]!;
          next = left[node]!;
        }
        out[row] = out[row]! + value[node]!;
      }
    }
    return out;
  }

  release(): Promise<void> {
    return Promise.resolve();
  }

  /**
   * Children always point forward within their tree in what XGBoost writes; anything else could
   * loop forever on a request, so it is refused at load.
   */
  private checkAcyclic(): void {
    for (let t = 0; t < this.roots.length; t++) {
      const end = t + 1 < this.roots.length ? this.roots[t + 1]! : this.left.length;
      for (let node = this.roots[t]!; node < end; node++) {
        const left = this.left[node]!;
        if (left < 0) continue;
        const right = this.right[node]!;
        if (left <= node || right <= node || left >= end || right >= end) {
          throw new ArtifactError(
            `xgboost.json: tree ${t}, node ${node - this.roots[t]!}: children must come after ` +
              `their parent in the same tree`,
          );
        }
      }
    }
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

import type { FieldColumns } from "../field-columns.js";
import type { SampledShapley } from "./sampled-shapley.js";
import type { TreeShap } from "./tree-shap.js";
import type {
  ExplainMethod,
  ExplainOptions,
  InstanceExplanation,
  OutputSpace,
  RowScorer,
} from "./types.js";

/**
 * The explanation methods of one model version, prepared at load: exact TreeSHAP from its trees
 * (xgboost.json is a required artifact, so every version has them) and sampled Shapley, Vertex
 * AI's model-agnostic method. Works on preprocessed rows; attributions come out per raw field.
 */
export class ModelExplainer {
  readonly methods: readonly ExplainMethod[] = ["tree_shap", "sampled_shapley"];
  /** Exact, and far cheaper than sampling. */
  readonly defaultMethod: ExplainMethod = "tree_shap";
  /** Per-column attributions (+ bias) of a batch's rows; grows to the largest batch, reused. */
  private columns: Float64Array;

  constructor(
    readonly fields: FieldColumns,
    readonly space: OutputSpace,
    readonly sampled: SampledShapley,
    readonly tree: TreeShap,
  ) {
    this.columns = new Float64Array(fields.width + 1);
  }

  /** Explains `count` preprocessed rows; `scores` are the predictions, as predict() gives them. */
  async explain(
    features: Float32Array,
    count: number,
    score: RowScorer,
    options: ExplainOptions,
  ): Promise<{ scores: Float32Array; explanations: InstanceExplanation[] }> {
    if (options.method === "sampled_shapley") {
      return this.sampled.explain(features, count, score, options.pathCount, options.seed);
    }
    // ONNX Runtime scores on its own thread: start it first so it overlaps the attributions.
    const scoring = score(features, count);
    const explanations: InstanceExplanation[] = [];
    try {
      const stride = this.fields.width + 1;
      if (this.columns.length < count * stride) this.columns = new Float64Array(count * stride);
      // One batch call: the TreeSHAP tables serve every row while they are in cache.
      this.tree.contributionsBatch(features, count, this.columns);
      for (let i = 0; i < count; i++) {
        explanations.push(this.treeShap(features, i, i * stride));
      }
    } finally {
      await scoring.catch(() => undefined); // never leave a rejection unobserved
    }
    return { scores: await scoring, explanations };
  }

  /** One row's explanation from its column attributions (+ bias) at `columns[at ..]`. */
  private treeShap(features: Float32Array, row: number, at: number): InstanceExplanation {
    const { columns } = this;
    const width = this.fields.width;
    const margin = this.tree.margin(features, row * width);
    let total = 0;
    for (let c = at; c <= at + width; c++) total += columns[c]!;
    const attributions = new Float64Array(this.fields.count);
    this.fields.sum(columns, at, attributions);
    return {
      baselineOutput: this.tree.bias,
      instanceOutput: margin,
      attributions,
      // Exact up to rounding: how far the additivity identity is from the trees' own margin.
      approximationError: Math.abs(total - margin),
    };
  }
}

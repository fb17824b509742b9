/** The attribution methods the service offers (parameters.method). */
export const EXPLAIN_METHODS = ["tree_shap", "sampled_shapley"] as const;
export type ExplainMethod = (typeof EXPLAIN_METHODS)[number];

/**
 * The space attributions are measured in: the margin of a binary model (log-odds, where exact
 * TreeSHAP lives and where both methods are additive), or a regression model's value.
 */
export type OutputSpace = "log_odds" | "value";

/** Vertex AI's bounds for sampled Shapley's path_count. */
export const PATH_COUNT = { min: 1, max: 50, default: 10 } as const;

export interface ExplainOptions {
  readonly method: ExplainMethod;
  /** Sampled Shapley: permutations per instance. */
  readonly pathCount: number;
  /** Sampled Shapley: seed of the permutation generator. */
  readonly seed: number;
}

/** One instance's attributions, one per raw input field, in `Explanations.fields` order. */
export interface InstanceExplanation {
  /** Model output (in the output space) at the reference the attributions are measured from. */
  readonly baselineOutput: number;
  /** Model output (in the output space) for the instance: baseline + Σ attributions. */
  readonly instanceOutput: number;
  readonly attributions: Float64Array;
  /**
   * TreeSHAP: |baseline + Σ column attributions − margin| (rounding only). Sampled Shapley: the
   * standard error of the attributions over the sampled paths; null with a single path.
   */
  readonly approximationError: number | null;
}

export interface Explanations {
  readonly method: ExplainMethod;
  readonly space: OutputSpace;
  /**
   * The version has a calibrator: `scores` are calibrated probabilities, while every output and
   * attribution is the trees' margin before it (a monotone map away from the score).
   */
  readonly calibrated: boolean;
  readonly fields: readonly string[];
  /** The prediction per instance, exactly as predict() gives it. */
  readonly scores: Float32Array;
  readonly instances: readonly InstanceExplanation[];
}

/** Scores preprocessed rows (`rows × width`): probability or value per row. */
export type RowScorer = (features: Float32Array, rows: number) => Promise<Float32Array>;

/** The runtimes a version can be scored with (SCORER, README "Configuration"). */
export const SCORER_KINDS = ["trees", "onnx"] as const;
export type ScorerKind = (typeof SCORER_KINDS)[number];

/** SCORER: a runtime, or `auto` = the compiled trees when they pass the golden gate, else ONNX. */
export type { ScorerChoice } from "../config.js";

/**
 * Scores preprocessed float32 rows: what LoadedModel needs of a runtime. Both the compiled trees
 * (tree-scorer.ts) and ONNX Runtime (onnx-scorer.ts) implement it, so everything above the model
 * layer is the same whichever serves.
 */
export interface Scorer {
  readonly kind: ScorerKind;
  /** Scores `rows` rows of `features` (row-major, `rows × width`); one value per row. */
  score(features: Float32Array, rows: number): Promise<Float32Array>;
  /** Frees what the runtime holds (a native session); only once no request uses it. */
  release(): Promise<void>;
}

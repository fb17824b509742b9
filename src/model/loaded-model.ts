import type { Calibrator } from "./calibrator.js";
import type { ModelExplainer } from "./explain/model-explainer.js";
import type { ExplainOptions, Explanations } from "./explain/types.js";
import type { ModelMetadata, ModelTask } from "./metadata.js";
import type { Preprocessor, UnknownCategorySink } from "./preprocessor.js";
import type { Scorer, ScorerKind } from "./scorer.js";

/**
 * Everything one model version needs to answer requests, compiled at load and immutable after.
 * It knows no protocol: instances in, one float per instance out. It is the one place a
 * version's predictions come out (every protocol, batch scoring, canary and shadow versions):
 * the runtime's probability, then the version's calibrator when it has one.
 */
export class LoadedModel {
  readonly name: string;
  readonly version: string;
  readonly task: ModelTask;
  /** Where it was loaded from, for logs and /v2 metadata. */
  readonly source: string;

  constructor(
    readonly metadata: ModelMetadata,
    readonly preprocessor: Preprocessor,
    private readonly scorer: Scorer,
    source: string,
    readonly explainer: ModelExplainer,
    /** With SCORER=auto, why the compiled trees do not serve this version (for the load log). */
    readonly scorerFallback?: string,
    /** calibration.json, compiled: applied to the runtime's probability; none when undefined. */
    readonly calibrator?: Calibrator,
  ) {
    this.name = metadata.name;
    this.version = metadata.version;
    this.task = metadata.task;
    this.source = source;
  }

  /** The runtime that scores this version: compiled trees or ONNX Runtime (SCORER). */
  get scorerKind(): ScorerKind {
    return this.scorer.kind;
  }

  /** Number of preprocessed feature columns the model takes. */
  get width(): number {
    return this.preprocessor.width;
  }

  /** Probability (binary) or value (regression) per raw instance. */
  async predict(
    instances: readonly unknown[],
    onUnknownCategory?: UnknownCategorySink,
  ): Promise<Float32Array> {
    const features = this.preprocessor.encode(instances, onUnknownCategory);
    return this.predictFeatures(features, instances.length);
  }

  /** Scores already-preprocessed rows (`rows × width`, row-major). */
  async predictFeatures(features: Float32Array, rows: number): Promise<Float32Array> {
    return this.served(await this.scorer.score(features, rows));
  }

  /** What the service answers for the runtime's probabilities: calibrated, if the version is. */
  private served(scores: Float32Array): Float32Array {
    return this.calibrator === undefined ? scores : this.calibrator.calibrate(scores);
  }

  /** Attributions per raw field for each instance, with its prediction (see explain/). */
  async explain(
    instances: readonly unknown[],
    options: ExplainOptions,
    onUnknownCategory?: UnknownCategorySink,
  ): Promise<Explanations> {
    const features = this.preprocessor.encode(instances, onUnknownCategory);
    // Both methods attribute the trees' margin (log-odds), before the calibrator: TreeSHAP is
    // exact there, and a calibrator's flat steps would hide a field's push.
    const { scores, explanations } = await this.explainer.explain(
      features,
      instances.length,
      (rows, count) => this.scorer.score(rows, count),
      options,
    );
    return {
      method: options.method,
      space: this.explainer.space,
      calibrated: this.calibrator !== undefined,
      fields: this.explainer.fields.names,
      scores: this.served(scores),
      instances: explanations,
    };
  }

  /** Frees the scorer's native session, if any. Only once no request uses this model any more. */
  release(): Promise<void> {
    return this.scorer.release();
  }
}

import type { ModelExplainer } from "./explain/model-explainer.js";
import type { ExplainOptions, Explanations } from "./explain/types.js";
import type { ModelMetadata, ModelTask } from "./metadata.js";
import type { Preprocessor, UnknownCategorySink } from "./preprocessor.js";
import type { Scorer, ScorerKind } from "./scorer.js";

/**
 * Everything one model version needs to answer requests, compiled at load and immutable after.
 * It knows no protocol: instances in, one float per instance out.
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
    return this.scorer.score(features, instances.length);
  }

  /** Scores already-preprocessed rows (`rows × width`, row-major). */
  predictFeatures(features: Float32Array, rows: number): Promise<Float32Array> {
    return this.scorer.score(features, rows);
  }

  /** Attributions per raw field for each instance, with its prediction (see explain/). */
  async explain(
    instances: readonly unknown[],
    options: ExplainOptions,
    onUnknownCategory?: UnknownCategorySink,
  ): Promise<Explanations> {
    const features = this.preprocessor.encode(instances, onUnknownCategory);
    const { scores, explanations } = await this.explainer.explain(
      features,
      instances.length,
      (rows, count) => this.scorer.score(rows, count),
      options,
    );
    return {
      method: options.method,
      space: this.explainer.space,
      fields: this.explainer.fields.names,
      scores,
      instances: explanations,
    };
  }

  /** Frees the scorer's native session, if any. Only once no request uses this model any more. */
  release(): Promise<void> {
    return this.scorer.release();
  }
}

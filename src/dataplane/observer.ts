import type { ExplainMethod } from "../model/explain/types.js";
import type { LoadedModel } from "../model/loaded-model.js";
import type { RequestContext, ScoringInput } from "./types.js";

/** One scored batch, as the data plane reports it to observers that look at what was scored. */
export interface ScoredBatch {
  readonly model: LoadedModel;
  /** What was scored; instances without their id field (it is not a model feature). */
  readonly input: ScoringInput;
  /** One per row. The arrays are the result's own: observers must not modify them. */
  readonly scores: Float32Array;
  /** Present when a threshold was asked for. */
  readonly labels?: Uint8Array;
  /** Each instance's id, when any instance carried one (PredictResult.ids). */
  readonly ids?: readonly (string | undefined)[];
  readonly context?: RequestContext;
}

/** A production batch scored again by the rollout's candidate, after the response. */
export interface ShadowScored {
  readonly production: ScoredBatch;
  readonly candidate: LoadedModel;
  /** The candidate's scores, one per row of `production.scores`. */
  readonly scores: Float32Array;
  /** The candidate's scoring time. */
  readonly seconds: number;
}

/**
 * What the data plane reports while it works. Monitoring implements it with Prometheus metrics;
 * the data plane itself stays free of any metrics library.
 */
export interface DataPlaneObserver {
  /** One scoring call finished: `rows` instances in `seconds`. */
  inference(model: LoadedModel, rows: number, seconds: number): void;
  /** One explain call finished in `seconds`, using `method`. */
  explanation(model: LoadedModel, method: ExplainMethod, seconds: number): void;
  /** An instance carried a category the model never saw for `field`. */
  unknownCategory(model: LoadedModel, field: string): void;
  /**
   * A predict or explain call scored a batch (drift counts it, the prediction log samples it).
   * Called on the request path,
   * before the response is sent: an implementation must return at once and never throw, and
   * do any real work (I/O, copying) later.
   */
  scored?(batch: ScoredBatch): void;
  /** Canary: the candidate failed a request that production then answered. */
  candidateFallback?(candidate: LoadedModel, error: unknown): void;
  /** Shadow: the candidate scored a production batch (off the request path). */
  shadowScored?(shadow: ShadowScored): void;
  /** Shadow: the candidate failed on a production batch; production's answer stood. */
  shadowFailed?(production: LoadedModel, candidate: LoadedModel, error: unknown): void;
  /** Shadow: the queue was full, the batch was not shadow-scored. */
  shadowDropped?(production: LoadedModel): void;
}

/** Several observers as one, each told in order what it listens to. */
export function observeAll(...observers: readonly Partial<DataPlaneObserver>[]): DataPlaneObserver {
  return {
    inference: (...args) => observers.forEach((observer) => observer.inference?.(...args)),
    explanation: (...args) => observers.forEach((observer) => observer.explanation?.(...args)),
    unknownCategory: (...args) =>
      observers.forEach((observer) => observer.unknownCategory?.(...args)),
    scored: (batch) => observers.forEach((observer) => observer.scored?.(batch)),
    candidateFallback: (...args) =>
      observers.forEach((observer) => observer.candidateFallback?.(...args)),
    shadowScored: (shadow) => observers.forEach((observer) => observer.shadowScored?.(shadow)),
    shadowFailed: (...args) => observers.forEach((observer) => observer.shadowFailed?.(...args)),
    shadowDropped: (...args) => observers.forEach((observer) => observer.shadowDropped?.(...args)),
  };
}

export const silentObserver: DataPlaneObserver = {
  inference: () => undefined,
  explanation: () => undefined,
  unknownCategory: () => undefined,
};

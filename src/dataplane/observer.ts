import type { ExplainMethod } from "../model/explain/types.js";
import type { LoadedModel } from "../model/loaded-model.js";
import type { PredictResult, ScoringInput } from "./types.js";

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
   * `model` scored `input` (raw instances or preprocessed rows) into `result` (scores, labels),
   * by predict or explain, under the request's lease. Called on the hot path: keep it cheap.
   */
  scored(model: LoadedModel, input: ScoringInput, result: PredictResult): void;
}

export const silentObserver: DataPlaneObserver = {
  inference: () => undefined,
  explanation: () => undefined,
  unknownCategory: () => undefined,
  scored: () => undefined,
};

import type { ExplainMethod } from "../model/explain/types.js";
import type { LoadedModel } from "../model/loaded-model.js";

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
}

export const silentObserver: DataPlaneObserver = {
  inference: () => undefined,
  explanation: () => undefined,
  unknownCategory: () => undefined,
};

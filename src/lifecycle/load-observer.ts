import type { LoadedModel } from "../model/loaded-model.js";

/**
 * What the lifecycle reports about loading versions, at boot and on every reload, through this
 * one interface; monitoring turns it into metrics.
 */
export interface LoadObserver {
  /** A version was loaded, verified, golden-checked and now serves. */
  modelLoaded(model: LoadedModel): void;
  /**
   * Loading failed. `version` is the one refused on a reload (the previous keeps serving);
   * undefined when nothing was serving yet (boot) or the version is unknown.
   */
  modelLoadFailed(version: string | undefined, error: unknown): void;
}

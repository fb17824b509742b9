import { InvalidInputError } from "../errors.js";
import { PATH_COUNT, type ExplainOptions } from "../model/explain/types.js";
import type { LoadedModel } from "../model/loaded-model.js";
import type { ExplainRequest } from "./types.js";

/**
 * Most rows one sampled-Shapley request may score in its single ONNX run (each instance needs
 * 1 + path_count × (fields − 1)); bounds the request's float32 matrix to ~50 MB at 133 columns.
 */
export const MAX_SAMPLED_ROWS = 100_000;

/** Resolves an ExplainRequest's method and knobs for `model`, rejecting what cannot apply. */
export function explainOptions(model: LoadedModel, request: ExplainRequest): ExplainOptions {
  const { explainer } = model;
  const method = request.method ?? explainer.defaultMethod;
  if (!explainer.methods.includes(method)) {
    throw new InvalidInputError(
      `method "${method}" is not available for ${model.name} ${model.version}; ` +
        `available: ${explainer.methods.join(", ")}`,
    );
  }
  if (method !== "sampled_shapley") {
    // Silently ignoring them would let a client believe it got a sampled explanation.
    if (request.pathCount !== undefined || request.seed !== undefined) {
      throw new InvalidInputError(
        `path_count and seed apply to method "sampled_shapley" only, not "${method}"`,
      );
    }
    return { method, pathCount: 0, seed: 0 };
  }
  const pathCount = request.pathCount ?? PATH_COUNT.default;
  if (!Number.isInteger(pathCount) || pathCount < PATH_COUNT.min || pathCount > PATH_COUNT.max) {
    throw new InvalidInputError(
      `path_count must be an integer from ${PATH_COUNT.min} to ${PATH_COUNT.max}, got ${pathCount}`,
    );
  }
  const seed = request.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new InvalidInputError(`seed must be an integer from 0 to 4294967295, got ${seed}`);
  }
  const rows = request.instances.length * explainer.sampled.rowsPerInstance(pathCount);
  if (rows > MAX_SAMPLED_ROWS) {
    throw new InvalidInputError(
      `sampled_shapley with path_count ${pathCount} would score ${rows} rows for ` +
        `${request.instances.length} instances; at most ${MAX_SAMPLED_ROWS} per request`,
    );
  }
  return { method, pathCount, seed };
}

import type { ModelInfo } from "../../dataplane/model-info.js";
import type { PredictResult, ScoringInput } from "../../dataplane/types.js";
import type { DataPlaneLimits } from "../../dataplane/dataplane.js";
import { quoteInput } from "../../echo.js";
import { InvalidInputError } from "../../errors.js";
import { modelFields } from "../model-fields.js";
import type { ModelTask } from "../../model/metadata.js";
import {
  DATATYPES,
  type InferInput,
  type InferOutput,
  type InferRequest,
  type InferResponse,
  type ModelMetadataResponse,
} from "./schema.js";

/**
 * Pure translation between Open Inference Protocol bodies and the data plane. Two encodings in:
 * - tabular (Seldon MLServer's "pd" content type): one input per raw field, named after it,
 *   shape [rows] or [rows, 1], BYTES for strings; a field left out is missing for every row;
 * - one FP32 tensor named after the ONNX input, shape [rows, width], of preprocessed features.
 */
const NUMERIC: ReadonlySet<string> = new Set(
  DATATYPES.filter((type) => type !== "BOOL" && type !== "BYTES"),
);
const DEFAULT_THRESHOLD = 0.5;

/**
 * Decodes an infer body for `model`. Every size the client declares (rows, shape, nesting) is
 * checked against `limits` and against the data actually sent before anything is allocated for
 * it: a 92-byte body declaring shape [100000000] must cost nothing.
 */
export function decodeInfer(
  body: InferRequest,
  model: ModelInfo,
  limits: DataPlaneLimits,
): ScoringInput {
  const threshold = wantsLabel(body) ? thresholdOf(body) : undefined;
  const first = body.inputs[0];
  const { width } = model.tensor;
  if (body.inputs.length === 1 && first !== undefined && first.name === model.tensor.name) {
    if (first.datatype !== "FP32" || first.shape.length !== 2 || first.shape[1] !== width) {
      throw new InvalidInputError(
        `input ${quoteInput(first.name)}: expected FP32 of shape [rows, ${width}], got ${first.datatype} ${describeShape(first.shape)}`,
      );
    }
    const rows = checkRows(first, limits);
    const values = flatten(first, rows * width, limits);
    const features = new Float32Array(values.length);
    values.forEach((value, i) => {
      if (typeof value !== "number" || !Number.isFinite(value)) {
        throw new InvalidInputError(
          `input ${quoteInput(first.name)}: element ${i} is not a finite number`,
        );
      }
      features[i] = value;
    });
    return { kind: "features", features, rows, threshold };
  }
  return { kind: "instances", instances: toInstances(body.inputs, model, limits), threshold };
}

function toInstances(
  inputs: readonly InferInput[],
  model: ModelInfo,
  limits: DataPlaneLimits,
): Record<string, unknown>[] {
  const schema = new Map(model.fields.map((field) => [field.name, field]));
  const first = inputs[0];
  if (first === undefined) throw new InvalidInputError("inputs is empty; send at least one input");
  const rows = checkRows(first, limits);
  const seen = new Set<string>();
  const columns = inputs.map((input) => {
    if (seen.has(input.name)) {
      throw new InvalidInputError(`input ${quoteInput(input.name)} is given more than once`);
    }
    seen.add(input.name);
    const field = schema.get(input.name);
    if (field === undefined) {
      throw new InvalidInputError(
        `input ${quoteInput(input.name)} is not a field of model "${model.name}"; expected one of ${[...schema.keys()].join(", ")}`,
      );
    }
    const expected = field.type === "string" ? "BYTES" : "a numeric datatype";
    if (field.type === "string" ? input.datatype !== "BYTES" : !NUMERIC.has(input.datatype)) {
      throw new InvalidInputError(
        `input "${field.name}": expected ${expected}, got ${input.datatype}`,
      );
    }
    if (input.shape[0] !== rows || input.shape.length > 2 || (input.shape[1] ?? 1) !== 1) {
      throw new InvalidInputError(
        `input "${field.name}": expected shape [${rows}] or [${rows}, 1] like the first input, got ${describeShape(input.shape)}`,
      );
    }
    return { name: field.name, values: flatten(input, rows, limits) };
  });
  // Only now, with every input's size proven, allocate one object per row.
  const instances = Array.from({ length: rows }, (): Record<string, unknown> => ({}));
  for (const { name, values } of columns) {
    values.forEach((value, row) => {
      (instances[row] as Record<string, unknown>)[name] = value;
    });
  }
  return instances;
}

/** The row count an input declares (its first dimension), within 1..maxBatchSize. */
function checkRows(input: InferInput, limits: DataPlaneLimits): number {
  const rows = input.shape[0] ?? 0;
  if (rows < 1 || rows > limits.maxBatchSize) {
    throw new InvalidInputError(
      `input ${quoteInput(input.name)}: shape ${describeShape(input.shape)} declares ${rows} rows; 1 to ${limits.maxBatchSize} are allowed per request`,
    );
  }
  return rows;
}

/**
 * Checks that `data` holds exactly `count` elements — flat, or nested row-major no deeper than the
 * shape — and returns them flat. It stops at the first element past `count` and at the first
 * array deeper than the shape, so neither a huge array nor deep nesting costs more than `count`
 * steps (Array.prototype.flat(Infinity) recursed without bound and overflowed the stack).
 * BYTES elements are strings of at most maxStringLength characters.
 */
function flatten(input: InferInput, count: number, limits: DataPlaneLimits): unknown[] {
  const values: unknown[] = [];
  const tooMany = () =>
    new InvalidInputError(
      `input ${quoteInput(input.name)}: shape ${describeShape(input.shape)} needs ${count} elements, data has more`,
    );
  const visit = (items: readonly unknown[], depth: number): void => {
    for (const item of items) {
      if (Array.isArray(item)) {
        if (depth + 1 >= input.shape.length) {
          throw new InvalidInputError(
            `input ${quoteInput(input.name)}: data is nested deeper than shape ${describeShape(input.shape)}`,
          );
        }
        visit(item, depth + 1);
        continue;
      }
      if (values.length === count) throw tooMany();
      if (typeof item === "string" && item.length > limits.maxStringLength) {
        throw new InvalidInputError(
          `input ${quoteInput(input.name)}: element ${values.length} has ${item.length} characters; at most ${limits.maxStringLength} are allowed`,
        );
      }
      values.push(item);
    }
  };
  visit(input.data, 0);
  if (values.length !== count) {
    throw new InvalidInputError(
      `input ${quoteInput(input.name)}: shape ${describeShape(input.shape)} needs ${count} elements, data has ${values.length}`,
    );
  }
  return values;
}

function describeShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

function wantsLabel(body: InferRequest): boolean {
  return body.outputs?.some((output) => output.name === "label") ?? false;
}

function thresholdOf(body: InferRequest): number {
  const threshold = body.parameters?.threshold ?? DEFAULT_THRESHOLD;
  if (typeof threshold !== "number" || !(threshold >= 0 && threshold <= 1)) {
    throw new InvalidInputError("parameters.threshold: expected a number between 0 and 1");
  }
  return threshold;
}

/** The output a model's scores go under: "probability" (binary) or "value" (regression). */
export function scoreOutputName(task: ModelTask): string {
  return task === "binary" ? "probability" : "value";
}

export function encodeInfer(body: InferRequest, result: PredictResult): InferResponse {
  const rows = result.scores.length;
  const available: Record<string, InferOutput> = {
    [scoreOutputName(result.task)]: {
      name: scoreOutputName(result.task),
      shape: [rows],
      datatype: "FP32",
      data: Array.from(result.scores),
    },
  };
  if (result.labels !== undefined) {
    available.label = {
      name: "label",
      shape: [rows],
      datatype: "INT64",
      data: Array.from(result.labels),
    };
  }
  const requested = body.outputs?.map((output) => output.name) ?? [scoreOutputName(result.task)];
  const outputs = requested.map((name) => {
    const output = available[name];
    if (output === undefined) {
      throw new InvalidInputError(
        `output ${quoteInput(name)} does not exist; available: ${scoreOutputName(result.task)}${result.task === "binary" ? ", label" : ""}`,
      );
    }
    return output;
  });
  return {
    model_name: result.model,
    model_version: result.version,
    ...(body.id === undefined ? {} : { id: body.id }),
    outputs,
  };
}

/**
 * The V2 `platform` string names the runtime that scores this version, as `<framework>_<format>`
 * like the protocol's own list (`onnx_onnxv1`, `tensorflow_savedmodel`, …). That list has no
 * XGBoost entry, so the compiled trees say what they are compiled from: XGBoost's JSON model.
 */
const PLATFORM: Readonly<Record<ModelInfo["scorer"], string>> = {
  onnx: "onnx_onnxv1",
  trees: "xgboost_json",
};

export function modelMetadata(model: ModelInfo): ModelMetadataResponse {
  return {
    name: model.name,
    versions: [model.version],
    platform: PLATFORM[model.scorer],
    inputs: model.fields.map((field) => ({
      name: field.name,
      datatype: field.type === "string" ? "BYTES" : "FP64",
      shape: [-1],
    })),
    outputs: [{ name: scoreOutputName(model.task), datatype: "FP32", shape: [-1] }],
    parameters: {
      content_type: "pd",
      preprocessed_input: {
        name: model.tensor.name,
        datatype: "FP32",
        shape: [-1, model.tensor.width],
      },
      fields: modelFields(model),
      missing_values: [...model.missingValues],
      scorer: model.scorer,
    },
  };
}

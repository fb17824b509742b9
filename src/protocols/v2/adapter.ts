import type {
  PredictFeaturesRequest,
  PredictRequest,
  PredictResult,
} from "../../dataplane/types.js";
import { InvalidInputError } from "../../errors.js";
import type { LoadedModel } from "../../model/loaded-model.js";
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

export type DecodedInfer =
  | { readonly kind: "instances"; readonly request: PredictRequest }
  | { readonly kind: "features"; readonly request: PredictFeaturesRequest };

export function decodeInfer(
  body: InferRequest,
  model: LoadedModel,
  target: { model: string; version?: string },
): DecodedInfer {
  const threshold = wantsLabel(body) ? thresholdOf(body) : undefined;
  const first = body.inputs[0];
  if (body.inputs.length === 1 && first !== undefined && first.name === model.metadata.onnx.input) {
    const rows = first.shape[0] ?? 0;
    if (first.datatype !== "FP32" || first.shape.length !== 2 || first.shape[1] !== model.width) {
      throw new InvalidInputError(
        `input "${first.name}": expected FP32 of shape [rows, ${model.width}], got ${first.datatype} [${first.shape.join(", ")}]`,
      );
    }
    const values = flatten(first, rows * model.width);
    const features = new Float32Array(values.length);
    values.forEach((value, i) => {
      if (typeof value !== "number" || !Number.isFinite(value)) {
        throw new InvalidInputError(`input "${first.name}": element ${i} is not a finite number`);
      }
      features[i] = value;
    });
    return { kind: "features", request: { ...target, features, rows, threshold } };
  }
  return {
    kind: "instances",
    request: { ...target, instances: toInstances(body.inputs, model), threshold },
  };
}

function toInstances(inputs: readonly InferInput[], model: LoadedModel): Record<string, unknown>[] {
  const schema = new Map(model.metadata.schema.fields.map((field) => [field.name, field]));
  const rows = inputs[0]?.shape[0] ?? 0;
  const instances = Array.from({ length: rows }, (): Record<string, unknown> => ({}));
  for (const input of inputs) {
    const field = schema.get(input.name);
    if (field === undefined) {
      throw new InvalidInputError(
        `input "${input.name}" is not a field of model "${model.name}"; expected one of ${[...schema.keys()].join(", ")}`,
      );
    }
    const expected = field.type === "string" ? "BYTES" : "a numeric datatype";
    if (field.type === "string" ? input.datatype !== "BYTES" : !NUMERIC.has(input.datatype)) {
      throw new InvalidInputError(
        `input "${input.name}": expected ${expected}, got ${input.datatype}`,
      );
    }
    if ((input.shape[0] ?? 0) !== rows || input.shape.slice(1).some((dim) => dim !== 1)) {
      throw new InvalidInputError(
        `input "${input.name}": expected shape [${rows}] or [${rows}, 1] like the first input, got [${input.shape.join(", ")}]`,
      );
    }
    flatten(input, rows).forEach((value, row) => {
      (instances[row] as Record<string, unknown>)[input.name] = value;
    });
  }
  return instances;
}

/** Checks `data` holds exactly `count` elements (flat or nested row-major) and returns them flat. */
function flatten(input: InferInput, count: number): unknown[] {
  const values: unknown[] = input.data.flat(Infinity);
  if (values.length !== count) {
    throw new InvalidInputError(
      `input "${input.name}": shape [${input.shape.join(", ")}] needs ${count} elements, data has ${values.length}`,
    );
  }
  return values;
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
export function scoreOutputName(task: LoadedModel["task"]): string {
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
        `output "${name}" does not exist; available: ${scoreOutputName(result.task)}${result.task === "binary" ? ", label" : ""}`,
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

export function modelMetadata(model: LoadedModel): ModelMetadataResponse {
  return {
    name: model.name,
    versions: [model.version],
    platform: "onnx_onnxv1",
    inputs: model.metadata.schema.fields.map((field) => ({
      name: field.name,
      datatype: field.type === "string" ? "BYTES" : "FP64",
      shape: [-1],
    })),
    outputs: [{ name: scoreOutputName(model.task), datatype: "FP32", shape: [-1] }],
    parameters: {
      content_type: "pd",
      preprocessed_input: {
        name: model.metadata.onnx.input,
        datatype: "FP32",
        shape: [-1, model.width],
      },
    },
  };
}

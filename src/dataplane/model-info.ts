import type { LoadedModel } from "../model/loaded-model.js";
import type { ModelTask } from "../model/metadata.js";

/**
 * What protocols may know about a served model: a value, computed once per loaded version. They
 * never see the LoadedModel itself (its scorer, its release()), so no protocol can hold on to a
 * version past its request or score with it outside a lease.
 */
export interface ModelInfo {
  readonly name: string;
  readonly version: string;
  readonly task: ModelTask;
  /** Raw input fields in request-schema order. */
  readonly fields: readonly { readonly name: string; readonly type: "number" | "string" }[];
  /** The preprocessed tensor the model scores: the ONNX input's name and its row width. */
  readonly tensor: { readonly name: string; readonly width: number };
}

export function describeModel(model: LoadedModel): ModelInfo {
  return Object.freeze({
    name: model.name,
    version: model.version,
    task: model.task,
    fields: Object.freeze(model.metadata.schema.fields.map((field) => Object.freeze({ ...field }))),
    tensor: Object.freeze({ name: model.metadata.onnx.input, width: model.width }),
  });
}

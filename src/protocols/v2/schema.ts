import { Type, type Static } from "typebox";
import { MissingValues, ModelFields, ModelScorer } from "../model-fields.js";

/** Open Inference Protocol REST shapes (kserve/open-inference-protocol inference_rest.md). */
export const DATATYPES = [
  "BOOL",
  "UINT8",
  "UINT16",
  "UINT32",
  "UINT64",
  "INT8",
  "INT16",
  "INT32",
  "INT64",
  "FP16",
  "FP32",
  "FP64",
  "BYTES",
] as const;
export const Datatype = Type.Enum([...DATATYPES]);

const Parameters = Type.Record(Type.String(), Type.Unknown());

/**
 * Bounds on what a client may declare, checked by the validator before the adapter runs: names
 * and ids are echoed back, shapes are multiplied out. Real requests are far below all of them.
 */
export const V2_LIMITS = {
  /** Longest input/output name or request id. */
  nameLength: 256,
  /** Highest tensor rank: tabular inputs are [rows] or [rows, 1], the FP32 tensor [rows, width]. */
  rank: 8,
  /** Most inputs or outputs in one request (one input per model field). */
  tensors: 1024,
} as const;

const Name = Type.String({ minLength: 1, maxLength: V2_LIMITS.nameLength });

export const InferInput = Type.Object({
  name: Name,
  shape: Type.Array(Type.Integer({ minimum: 0 }), { minItems: 1, maxItems: V2_LIMITS.rank }),
  datatype: Datatype,
  parameters: Type.Optional(Parameters),
  data: Type.Array(Type.Unknown(), {
    description:
      "Row-major tensor data, flat or nested no deeper than the shape; as many elements as the " +
      "shape's product. Rows (shape[0]) are 1 to MAX_BATCH_SIZE.",
  }),
});
export type InferInput = Static<typeof InferInput>;

export const InferRequest = Type.Object(
  {
    id: Type.Optional(Type.String({ maxLength: V2_LIMITS.nameLength })),
    parameters: Type.Optional(Parameters),
    inputs: Type.Array(InferInput, { minItems: 1, maxItems: V2_LIMITS.tensors }),
    outputs: Type.Optional(
      Type.Array(Type.Object({ name: Name, parameters: Type.Optional(Parameters) }), {
        maxItems: V2_LIMITS.tensors,
      }),
    ),
  },
  {
    $id: "InferRequest",
    title: "InferRequest",
    examples: [
      {
        id: "42",
        inputs: [
          { name: "total_visits", datatype: "FP64", shape: [2], data: [5, 0] },
          { name: "lead_origin", datatype: "BYTES", shape: [2], data: ["API", "Lead Add Form"] },
        ],
      },
    ],
  },
);
export type InferRequest = Static<typeof InferRequest>;

export const InferOutput = Type.Object({
  name: Type.String(),
  shape: Type.Array(Type.Integer()),
  datatype: Datatype,
  data: Type.Array(Type.Number()),
});
export type InferOutput = Static<typeof InferOutput>;

export const InferResponse = Type.Object(
  {
    model_name: Type.String(),
    model_version: Type.String(),
    id: Type.Optional(Type.String()),
    parameters: Type.Optional(Parameters),
    outputs: Type.Array(InferOutput),
  },
  { $id: "InferResponse", title: "InferResponse" },
);
export type InferResponse = Static<typeof InferResponse>;

const TensorMetadata = Type.Object({
  name: Type.String(),
  datatype: Datatype,
  shape: Type.Array(Type.Integer()),
});

export const ModelMetadataResponse = Type.Object(
  {
    name: Type.String(),
    versions: Type.Array(Type.String()),
    platform: Type.String(),
    inputs: Type.Array(TensorMetadata),
    outputs: Type.Array(TensorMetadata),
    parameters: Type.Object(
      {
        content_type: Type.String({ description: '"pd": one input per field (MLServer).' }),
        preprocessed_input: Type.Object(
          { name: Type.String(), datatype: Datatype, shape: Type.Array(Type.Integer()) },
          { description: "The alternative input: the model's preprocessed FP32 tensor." },
        ),
        fields: ModelFields,
        missing_values: MissingValues,
        scorer: ModelScorer,
      },
      {
        description:
          "The protocol's free-form model parameters: how to send inputs, and each field's " +
          "type, nullability, training categories and range (the inputs list only name, " +
          "datatype and shape, as the protocol defines them).",
      },
    ),
  },
  { $id: "V2ModelMetadata", title: "V2ModelMetadata" },
);
export type ModelMetadataResponse = Static<typeof ModelMetadataResponse>;

export const ServerMetadataResponse = Type.Object({
  name: Type.String(),
  version: Type.String(),
  extensions: Type.Array(Type.String()),
});

import { Type, type Static } from "typebox";

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

export const InferInput = Type.Object({
  name: Type.String({ minLength: 1 }),
  shape: Type.Array(Type.Integer({ minimum: 0 }), { minItems: 1 }),
  datatype: Datatype,
  parameters: Type.Optional(Parameters),
  data: Type.Array(Type.Unknown(), { description: "Row-major tensor data, flat or nested." }),
});
export type InferInput = Static<typeof InferInput>;

export const InferRequest = Type.Object(
  {
    id: Type.Optional(Type.String()),
    parameters: Type.Optional(Parameters),
    inputs: Type.Array(InferInput, { minItems: 1 }),
    outputs: Type.Optional(
      Type.Array(Type.Object({ name: Type.String(), parameters: Type.Optional(Parameters) })),
    ),
  },
  { $id: "InferRequest", title: "InferRequest" },
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
    parameters: Type.Optional(Parameters),
  },
  { $id: "V2ModelMetadata", title: "V2ModelMetadata" },
);
export type ModelMetadataResponse = Static<typeof ModelMetadataResponse>;

export const ServerMetadataResponse = Type.Object({
  name: Type.String(),
  version: Type.String(),
  extensions: Type.Array(Type.String()),
});

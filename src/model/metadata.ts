import { Type, type Static } from "typebox";
import { artifactParser } from "./parse-artifact.js";

/** metadata.json: the parts of docs/artifacts.md the service relies on (the rest passes through). */
const FileDigest = Type.Object({
  sha256: Type.String({ pattern: "^[0-9a-f]{64}$" }),
  bytes: Type.Integer({ minimum: 0 }),
});

const SchemaField = Type.Object({
  name: Type.String(),
  type: Type.Union([Type.Literal("number"), Type.Literal("string")]),
  nullable: Type.Boolean(),
  categories: Type.Optional(Type.Array(Type.String())),
});

export const MetadataSchema = Type.Object({
  format: Type.Literal("lead-scoring-model/v1"),
  name: Type.String({ pattern: "^[a-z0-9][a-z0-9._-]*$" }),
  version: Type.String({ pattern: "^\\d+\\.\\d+\\.\\d+$" }),
  task: Type.Union([Type.Literal("binary"), Type.Literal("regression")]),
  objective: Type.String(),
  created_at: Type.String(),
  metrics: Type.Record(Type.String(), Type.Unknown()),
  primary_metric: Type.Object({
    name: Type.String(),
    value: Type.Number(),
    higher_is_better: Type.Boolean(),
  }),
  schema: Type.Object({ fields: Type.Array(SchemaField) }),
  expected_value: Type.Number(),
  explain_baseline: Type.Record(Type.String(), Type.Union([Type.Number(), Type.String()])),
  onnx: Type.Object({
    input: Type.String(),
    output: Type.String(),
    output_column: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
    n_features: Type.Integer({ minimum: 1 }),
  }),
  files: Type.Record(Type.String(), FileDigest),
});

export type ModelMetadata = Static<typeof MetadataSchema>;
export type ModelTask = ModelMetadata["task"];

export const parseMetadata = artifactParser(MetadataSchema);

/** The artifact files every version directory must list in metadata.files. */
export const REQUIRED_FILES = [
  "model.onnx",
  "xgboost.json",
  "preprocessor.json",
  "golden.json",
] as const;

import { Type, type Static } from "typebox";
import { ComparisonSchema } from "./comparison.js";
import { CrossValidationSchema, RankingSchema } from "./evaluation-metadata.js";
import { LineageSchema } from "./lineage.js";
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
  /** A label for people (the web page's form); older versions lack it, see describeField. */
  display_name: Type.Optional(Type.String({ minLength: 1 })),
  /** One line saying what the field means; optional. */
  description: Type.Optional(Type.String()),
});

/**
 * One raw field's training distribution (pipeline/baselines.py): numeric bins [e0, e1), …,
 * [e_{k-1}, e_k] with the share of present values in each, or each category's share after
 * imputation (the fill value, "missing", included).
 */
const NumericBaseline = Type.Object({
  type: Type.Literal("numeric"),
  bin_edges: Type.Array(Type.Number()),
  frequencies: Type.Array(Type.Number({ minimum: 0 })),
  missing_fraction: Type.Number({ minimum: 0, maximum: 1 }),
});

const CategoricalBaseline = Type.Object({
  type: Type.Literal("categorical"),
  frequencies: Type.Record(Type.String(), Type.Number({ minimum: 0 })),
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
  baselines: Type.Optional(
    Type.Record(Type.String(), Type.Union([NumericBaseline, CategoricalBaseline])),
  ),
  /** Histogram of the held-out predictions (numeric bins); older versions do not have it. */
  score_baseline: Type.Optional(NumericBaseline),
  explain_baseline: Type.Record(Type.String(), Type.Union([Type.Number(), Type.String()])),
  onnx: Type.Object({
    input: Type.String(),
    output: Type.String(),
    output_column: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
    n_features: Type.Integer({ minimum: 1 }),
  }),
  files: Type.Record(Type.String(), FileDigest),
  /** Where a published version came from; absent before publishing and in older versions. */
  lineage: Type.Optional(LineageSchema),
  /** Candidate vs the production it was trained to replace, on the same rows; optional. */
  comparison: Type.Optional(ComparisonSchema),
  /** Held-out lift/capture/precision at k % and gains (null for a regression); optional. */
  ranking: Type.Optional(Type.Union([RankingSchema, Type.Null()])),
  /** Fold metrics (null with --eval-repeats 0); optional. */
  cross_validation: Type.Optional(Type.Union([CrossValidationSchema, Type.Null()])),
});

export type ModelMetadata = Static<typeof MetadataSchema>;
export type ModelTask = ModelMetadata["task"];
export type NumericBaseline = Static<typeof NumericBaseline>;
export type CategoricalBaseline = Static<typeof CategoricalBaseline>;

export const parseMetadata = artifactParser(MetadataSchema);

/** The artifact files every version directory must list in metadata.files. */
export const REQUIRED_FILES = [
  "model.onnx",
  "xgboost.json",
  "preprocessor.json",
  "golden.json",
] as const;

import { Type, type Static } from "typebox";
import { artifactParser } from "./parse-artifact.js";

/** preprocessor.json, as docs/artifacts.md defines it. */
const NumericField = Type.Object({
  name: Type.String({ minLength: 1 }),
  type: Type.Literal("numeric"),
  fill_value: Type.Number(),
  mean: Type.Number(),
  scale: Type.Number(),
  output_index: Type.Integer({ minimum: 0 }),
});

const CategoricalField = Type.Object({
  name: Type.String({ minLength: 1 }),
  type: Type.Literal("categorical"),
  fill_value: Type.String(),
  categories: Type.Array(Type.String()),
  output_offset: Type.Integer({ minimum: 0 }),
});

export const PreprocessorSpecSchema = Type.Object({
  format: Type.Literal("lead-scoring-preprocessor/v1"),
  missing_values: Type.Array(Type.String()),
  fields: Type.Array(Type.Union([NumericField, CategoricalField]), { minItems: 1 }),
  output_columns: Type.Array(Type.String()),
  n_outputs: Type.Integer({ minimum: 1 }),
});

export type PreprocessorSpec = Static<typeof PreprocessorSpecSchema>;
export type NumericFieldSpec = Static<typeof NumericField>;
export type CategoricalFieldSpec = Static<typeof CategoricalField>;

export const parsePreprocessorSpec = artifactParser(PreprocessorSpecSchema);

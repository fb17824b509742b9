import { Type, type Static } from "typebox";
import { ArtifactError } from "../errors.js";
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

/**
 * v1: a request string equal to a categorical fill value ("missing") takes the missing column.
 * v2: the fill value's column is for missing values only (the pipeline picks a fill value no
 * real category takes), so a real category named "missing" never scores as a null.
 */
export const PREPROCESSOR_V1 = "lead-scoring-preprocessor/v1";
export const PREPROCESSOR_FORMATS: readonly string[] = [
  PREPROCESSOR_V1,
  "lead-scoring-preprocessor/v2",
];

export const PreprocessorSpecSchema = Type.Object({
  // Any string here, checked below: an unknown format gets its own message, not a shape error.
  format: Type.String(),
  missing_values: Type.Array(Type.String()),
  fields: Type.Array(Type.Union([NumericField, CategoricalField]), { minItems: 1 }),
  output_columns: Type.Array(Type.String()),
  n_outputs: Type.Integer({ minimum: 1 }),
});

export type PreprocessorSpec = Static<typeof PreprocessorSpecSchema>;
export type NumericFieldSpec = Static<typeof NumericField>;
export type CategoricalFieldSpec = Static<typeof CategoricalField>;

const parseShape = artifactParser(PreprocessorSpecSchema);

export function parsePreprocessorSpec(bytes: Buffer, file: string): PreprocessorSpec {
  const spec = parseShape(bytes, file);
  if (!PREPROCESSOR_FORMATS.includes(spec.format)) {
    throw new ArtifactError(
      `${file}: format "${spec.format}" is not one this service reads ` +
        `(${PREPROCESSOR_FORMATS.join(", ")}); a newer pipeline wrote it: upgrade the service`,
    );
  }
  return spec;
}

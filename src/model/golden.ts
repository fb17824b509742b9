import { Type, type Static } from "typebox";
import { ArtifactError } from "../errors.js";
import type { LoadedModel } from "./loaded-model.js";
import { artifactParser } from "./parse-artifact.js";

/** golden.json (docs/artifacts.md): XGBoost's own answers on held-out rows. */
export const GoldenSchema = Type.Object({
  format: Type.Literal("lead-scoring-golden/v1"),
  model_version: Type.String(),
  tolerance: Type.Number({ exclusiveMinimum: 0 }),
  output: Type.Union([Type.Literal("probability"), Type.Literal("value")]),
  columns: Type.Array(Type.String()),
  rows: Type.Array(
    Type.Object({
      instance: Type.Record(Type.String(), Type.Unknown()),
      features: Type.Array(Type.Number()),
      prediction: Type.Number(),
      margin: Type.Number(),
      contributions: Type.Array(Type.Number()),
    }),
    { minItems: 1 },
  ),
});

export type Golden = Static<typeof GoldenSchema>;

export const parseGolden = artifactParser(GoldenSchema);

/**
 * Runs every golden row through the model and refuses it when any prediction differs from the
 * training library's by more than the recorded tolerance. This proves preprocessor + ONNX export
 * reproduce XGBoost before the model serves a request, and warms the session up.
 */
export async function checkGolden(model: LoadedModel, golden: Golden): Promise<void> {
  const predictions = await model.predict(golden.rows.map((row) => row.instance));
  golden.rows.forEach((row, i) => {
    const got = predictions[i] ?? Number.NaN;
    if (!(Math.abs(got - row.prediction) <= golden.tolerance)) {
      throw new ArtifactError(
        `golden check failed for ${model.name} ${model.version}: row ${i} predicts ${got}, ` +
          `golden.json records ${row.prediction} (tolerance ${golden.tolerance})`,
      );
    }
  });
}

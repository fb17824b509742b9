import { Type, type Static } from "typebox";
import { ArtifactError } from "../errors.js";
import { artifactParser } from "./parse-artifact.js";
import type { Preprocessor } from "./preprocessor.js";
import type { Scorer } from "./scorer.js";

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
 * Runs every golden row through the preprocessor and `scorer` and refuses them when any
 * prediction differs from the training library's by more than the recorded tolerance. This proves
 * preprocessor + runtime (ONNX export or compiled trees) reproduce XGBoost before the model serves
 * a request, and warms the runtime up. `what` names the model and runtime in the message.
 */
export async function checkGolden(
  preprocessor: Preprocessor,
  scorer: Scorer,
  golden: Golden,
  what: string,
): Promise<void> {
  const features = preprocessor.encode(golden.rows.map((row) => row.instance));
  const predictions = await scorer.score(features, golden.rows.length);
  golden.rows.forEach((row, i) => {
    const got = predictions[i] ?? Number.NaN;
    if (!(Math.abs(got - row.prediction) <= golden.tolerance)) {
      throw new ArtifactError(
        `golden check failed for ${what}: row ${i} predicts ${got}, ` +
          `golden.json records ${row.prediction} (tolerance ${golden.tolerance})`,
      );
    }
  });
}

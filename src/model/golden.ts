import { Type, type Static } from "typebox";
import { ArtifactError } from "../errors.js";
import type { Calibrator } from "./calibrator.js";
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
      /** What the service must answer: calibrated when the version has a calibrator. */
      prediction: Type.Number(),
      /** The trees' own prediction (XGBoost `predict`); only in a version with a calibrator. */
      raw_prediction: Type.Optional(Type.Number()),
      margin: Type.Number(),
      contributions: Type.Array(Type.Number()),
    }),
    { minItems: 1 },
  ),
});

export type Golden = Static<typeof GoldenSchema>;

export const parseGolden = artifactParser(GoldenSchema);

/**
 * Runs every golden row through the preprocessor, `scorer` (the runtime) and the version's
 * `calibrator`, if any, and refuses them when the chain differs from the pipeline's. This proves
 * preprocessor + runtime (ONNX export or compiled trees) + calibrator reproduce XGBoost and the
 * pipeline's calibrator before the model serves a request, and warms the runtime up. `what` names
 * the model and runtime in the message.
 *
 * Without a calibrator, each prediction must be within the recorded tolerance of `prediction`.
 * With one, link by link and then whole:
 * - the runtime's probability within the tolerance of `raw_prediction` (XGBoost's);
 * - the calibrator on `raw_prediction` (the pipeline's own input) within the tolerance of
 *   `prediction`: the same function as the pipeline's, which a tampered table fails;
 * - the served value, calibrator(runtime's probability), between the calibrator's values at
 *   `raw_prediction` ∓ tolerance (± tolerance): a steep isotonic step can magnify the runtime's
 *   float rounding, so one tolerance on the end result would refuse a correct version.
 */
export async function checkGolden(
  preprocessor: Preprocessor,
  scorer: Scorer,
  golden: Golden,
  what: string,
  calibrator?: Calibrator,
): Promise<void> {
  checkCalibratedRows(golden, calibrator);
  const tolerance = golden.tolerance;
  const features = preprocessor.encode(golden.rows.map((row) => row.instance));
  const raw = await scorer.score(features, golden.rows.length);
  const served = calibrator === undefined ? raw : calibrator.calibrate(raw);
  const fail = (message: string): never => {
    throw new ArtifactError(`golden check failed for ${what}: ${message} (tolerance ${tolerance})`);
  };
  golden.rows.forEach((row, i) => {
    const got = raw[i] ?? Number.NaN;
    const trees = row.raw_prediction ?? row.prediction;
    if (!(Math.abs(got - trees) <= tolerance)) {
      fail(`row ${i} predicts ${got}, golden.json records ${trees}`);
    }
    if (calibrator === undefined) return;
    const calibrated = calibrator.value(trees);
    if (!(Math.abs(calibrated - row.prediction) <= tolerance)) {
      fail(
        `row ${i}: the calibrator maps ${trees} to ${calibrated}, ` +
          `golden.json records ${row.prediction}`,
      );
    }
    const low = calibrator.value(trees - tolerance) - tolerance;
    const high = calibrator.value(trees + tolerance) + tolerance;
    const answer = served[i] ?? Number.NaN;
    if (!(answer >= low && answer <= high)) {
      fail(`row ${i} answers ${answer}, golden.json records ${row.prediction}`);
    }
  });
}

/** golden.json records raw predictions exactly when the version has a calibrator. */
function checkCalibratedRows(golden: Golden, calibrator: Calibrator | undefined): void {
  const withRaw = golden.rows.filter((row) => row.raw_prediction !== undefined).length;
  if (calibrator !== undefined && withRaw !== golden.rows.length) {
    throw new ArtifactError(
      `golden.json: ${golden.rows.length - withRaw} row(s) lack raw_prediction, ` +
        `but the version has a calibrator (calibration.json)`,
    );
  }
  if (calibrator === undefined && withRaw > 0) {
    throw new ArtifactError(
      "golden.json records calibrated predictions (raw_prediction), " +
        "but metadata.json lists no calibration.json",
    );
  }
}

import { Type, type Static } from "typebox";
import { ArtifactError } from "../errors.js";
import { artifactParser } from "./parse-artifact.js";

/** calibration.json (docs/artifacts.md): the monotone map the pipeline fitted after the trees. */
const FORMAT = Type.Literal("lead-scoring-calibration/v1");

const IsotonicTable = Type.Object({
  format: FORMAT,
  method: Type.Literal("isotonic"),
  /** Thresholds, strictly increasing, and the calibrated probability at each. */
  x: Type.Array(Type.Number({ minimum: 0, maximum: 1 }), { minItems: 1 }),
  y: Type.Array(Type.Number({ minimum: 0, maximum: 1 }), { minItems: 1 }),
});

const PlattTable = Type.Object({
  format: FORMAT,
  method: Type.Literal("platt"),
  /** sigmoid(a · logit(p) + b); a > 0 keeps it increasing. */
  a: Type.Number({ exclusiveMinimum: 0 }),
  b: Type.Number(),
});

export const CalibrationSchema = Type.Union([IsotonicTable, PlattTable]);
export type CalibrationTable = Static<typeof CalibrationSchema>;

export const CALIBRATION_FILE = "calibration.json";

/** Probabilities are clipped this far from 0 and 1 before log-odds (pipeline/calibrator.py). */
const EPSILON = 1e-7;

/**
 * The calibrator of one version, compiled at load: the trees' probability in, the calibrated
 * probability out. Both kinds reproduce pipeline/calibrator.py's `apply` operation for operation
 * (isotonic: sklearn's IsotonicRegression.predict, i.e. np.interp after clipping), so the
 * service answers the float64 the pipeline computed, rounded to float32 like every prediction.
 */
export interface Calibrator {
  readonly method: CalibrationTable["method"];
  /** One probability. */
  value(probability: number): number;
  /** A batch of the scorer's probabilities, calibrated into a new array. */
  calibrate(probabilities: Float32Array): Float32Array;
}

const parseShape = artifactParser(CalibrationSchema);

/** Parses and checks calibration.json; ArtifactError naming `file` on a bad one. */
export function parseCalibrator(bytes: Buffer, file: string): Calibrator {
  const table = parseShape(bytes, file);
  return table.method === "platt" ? plattCalibrator(table) : isotonicCalibrator(table, file);
}

function batch(value: (p: number) => number): Calibrator["calibrate"] {
  return (probabilities) => {
    const out = new Float32Array(probabilities.length);
    for (let i = 0; i < probabilities.length; i++) out[i] = value(probabilities[i]!);
    return out;
  };
}

function plattCalibrator({ a, b }: Static<typeof PlattTable>): Calibrator {
  const value = (probability: number): number => {
    const p = Math.min(Math.max(probability, EPSILON), 1 - EPSILON);
    return 1 / (1 + Math.exp(-(a * Math.log(p / (1 - p)) + b)));
  };
  return { method: "platt", value, calibrate: batch(value) };
}

function isotonicCalibrator(table: Static<typeof IsotonicTable>, file: string): Calibrator {
  const { x: xs, y: ys } = table;
  if (xs.length !== ys.length) {
    throw new ArtifactError(`${file}: x has ${xs.length} thresholds, y ${ys.length} values`);
  }
  for (let i = 1; i < xs.length; i++) {
    if (!(xs[i]! > xs[i - 1]!)) {
      throw new ArtifactError(`${file}: x must be strictly increasing (x[${i}] = ${xs[i]})`);
    }
    if (!(ys[i]! >= ys[i - 1]!)) {
      throw new ArtifactError(`${file}: y must not decrease (y[${i}] = ${ys[i]})`);
    }
  }
  const x = Float64Array.from(xs);
  const y = Float64Array.from(ys);
  // Per segment, computed once: np.interp computes the same quotient, so the same bits.
  const slope = new Float64Array(x.length);
  for (let j = 0; j + 1 < x.length; j++) slope[j] = (y[j + 1]! - y[j]!) / (x[j + 1]! - x[j]!);
  const last = x.length - 1;
  const value = (probability: number): number => {
    const v = Math.min(Math.max(probability, x[0]!), x[last]!);
    // j: the last threshold ≤ v (np.interp's binary search).
    let lo = 0;
    let hi = last;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (x[mid]! <= v) lo = mid;
      else hi = mid - 1;
    }
    if (lo === last || x[lo] === v) return y[lo]!;
    return slope[lo]! * (v - x[lo]!) + y[lo]!;
  };
  return { method: "isotonic", value, calibrate: batch(value) };
}

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { ArtifactError } from "../../src/errors.js";
import { parseCalibrator } from "../../src/model/calibrator.js";

/**
 * Parity with pipeline/calibrator.py on edge inputs (pipeline/tests/test_calibration_fixture.py
 * writes the fixture from sklearn), and refusal of bad tables.
 */
interface ParityCase {
  readonly name: string;
  readonly table: { readonly method: string };
  readonly inputs: readonly number[];
  readonly expected: readonly number[];
}

const FIXTURE = path.join(import.meta.dirname, "..", "fixtures", "calibration-parity.json");
const { cases } = JSON.parse(readFileSync(FIXTURE, "utf8")) as { cases: ParityCase[] };

const parse = (table: unknown) =>
  parseCalibrator(Buffer.from(JSON.stringify(table)), "calibration.json");

describe("the calibrator is the pipeline's", () => {
  it("covers isotonic with ties, a one-threshold table and Platt", () => {
    assert.deepEqual(
      cases.map((c) => c.table.method),
      ["isotonic", "isotonic", "platt"],
    );
  });

  for (const parity of cases) {
    it(`${parity.name}: every edge input`, () => {
      const calibrator = parse(parity.table);
      parity.inputs.forEach((input, i) => {
        const got = calibrator.value(input);
        const want = parity.expected[i]!;
        if (parity.table.method === "isotonic") {
          // np.interp's operations in the same order: the same float64, bit for bit.
          assert.equal(got, want, `input ${input}`);
        } else {
          // log and exp of two math libraries: float64 rounding apart.
          assert.ok(Math.abs(got - want) <= 1e-15, `input ${input}: ${got} vs ${want}`);
        }
      });
    });
  }

  it("calibrates a batch of float32 probabilities into a new array, rounded to float32", () => {
    const calibrator = parse(cases[0]!.table);
    const scores = Float32Array.from([0, 0.25, 0.5, 1]);
    const out = calibrator.calibrate(scores);
    assert.notEqual(out, scores);
    assert.deepEqual([...scores], [0, 0.25, 0.5, 1], "the input is left as it was");
    scores.forEach((p, i) => assert.equal(out[i], Math.fround(calibrator.value(p))));
  });
});

describe("a bad calibration.json is refused at load", () => {
  const format = "lead-scoring-calibration/v1";
  const refused = (table: unknown, pattern: RegExp) =>
    assert.throws(
      () => parse(table),
      (error: unknown) => error instanceof ArtifactError && pattern.test(error.message),
    );

  it("names what is wrong", () => {
    refused({ format, method: "isotonic", x: [0.1, 0.5], y: [0.2] }, /x has 2 thresholds, y 1/);
    refused({ format, method: "isotonic", x: [0.5, 0.1], y: [0.1, 0.2] }, /strictly increasing/);
    refused({ format, method: "isotonic", x: [0.1, 0.1], y: [0.1, 0.2] }, /strictly increasing/);
    refused({ format, method: "isotonic", x: [0.1, 0.5], y: [0.3, 0.2] }, /must not decrease/);
    refused({ format, method: "isotonic", x: [0.1, 0.5], y: [0.3, 1.2] }, /\/y\/1/);
    refused({ format, method: "isotonic", x: [], y: [] }, /\/x/);
    refused({ format, method: "platt", a: -1, b: 0 }, /\/a/);
    refused({ format, method: "platt", a: 0, b: 0 }, /\/a/);
    refused({ format: "lead-scoring-calibration/v9", method: "platt", a: 1, b: 0 }, /format/);
    refused({ format, method: "beta", a: 1, b: 0 }, /does not match its format/);
  });

  it("says which file is not JSON", () => {
    assert.throws(
      () => parseCalibrator(Buffer.from("{"), "gs://b/m/1.1.0/calibration.json"),
      /gs:\/\/b\/m\/1\.1\.0\/calibration\.json is not valid JSON/,
    );
  });
});

import { cp, readFile } from "node:fs/promises";
import path from "node:path";
import { CALIBRATION_FILE, parseCalibrator } from "../../src/model/calibrator.js";
import type { Golden } from "../../src/model/golden.js";
import { builtInVersionDir } from "./app.js";
import { rewriteSigned } from "./tamper.js";

/**
 * A calibrator that moves every probability (Platt with a ≠ 1, b ≠ 0), for a calibrated copy of
 * the built-in model. Its parity with the pipeline is test/model/calibrator.test.ts's business.
 */
export const TEST_CALIBRATION = {
  format: "lead-scoring-calibration/v1",
  method: "platt",
  a: 0.8,
  b: -0.3,
} as const;

/**
 * Copies the built-in version to `dir` with `table` as its calibration.json and golden.json
 * turned into a calibrated version's (raw_prediction: the trees'; prediction: calibrated, by
 * the service's calibrator), both re-signed in metadata.json: what the pipeline writes when it
 * adopts a calibrator, without training one.
 */
export async function calibratedCopy(
  dir: string,
  table: object = TEST_CALIBRATION,
): Promise<string> {
  await cp(builtInVersionDir(), dir, { recursive: true });
  const bytes = Buffer.from(JSON.stringify(table));
  const calibrator = parseCalibrator(bytes, CALIBRATION_FILE);
  const golden = JSON.parse(await readFile(path.join(dir, "golden.json"), "utf8")) as Golden;
  const rows = golden.rows.map((row) => {
    const raw = row.raw_prediction ?? row.prediction;
    return { ...row, prediction: calibrator.value(raw), raw_prediction: raw };
  });
  await rewriteSigned(dir, CALIBRATION_FILE, bytes);
  await rewriteSigned(dir, "golden.json", Buffer.from(JSON.stringify({ ...golden, rows })));
  return dir;
}

import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";

/** Flips one byte of a file: a corruption only the sha256 check can catch. */
export async function flipByte(file: string, offset: number): Promise<void> {
  const bytes = await readFile(file);
  const at = offset < 0 ? bytes.length + offset : offset;
  bytes.writeUInt8(bytes.readUInt8(at) ^ 0xff, at);
  await writeFile(file, bytes);
}

/**
 * Shifts one golden prediction by `delta` and re-signs golden.json in metadata.json, so the
 * version passes its checksums and only the golden check can refuse it.
 */
export async function shiftGoldenPrediction(
  versionDir: string,
  row: number,
  delta: number,
): Promise<void> {
  const goldenPath = path.join(versionDir, "golden.json");
  const golden = JSON.parse(await readFile(goldenPath, "utf8")) as {
    rows: { prediction: number }[];
  };
  const target = golden.rows[row];
  if (target === undefined) throw new Error(`golden.json has no row ${row}`);
  target.prediction += delta;
  const bytes = Buffer.from(JSON.stringify(golden));
  await writeFile(goldenPath, bytes);
  const metadataPath = path.join(versionDir, "metadata.json");
  const metadata = JSON.parse(await readFile(metadataPath, "utf8")) as {
    files: Record<string, { sha256: string; bytes: number }>;
  };
  metadata.files["golden.json"] = {
    sha256: createHash("sha256").update(bytes).digest("hex"),
    bytes: bytes.length,
  };
  await writeFile(metadataPath, JSON.stringify(metadata));
}

/**
 * Raises a version's primary metric by `delta` (metadata.json is not among its own digests, so
 * the version still verifies): a "retrained" model that promote-if-better finds strictly better
 * when its metric is higher-is-better.
 */
export async function raisePrimaryMetric(versionDir: string, delta: number): Promise<void> {
  const metadataPath = path.join(versionDir, "metadata.json");
  const metadata = JSON.parse(await readFile(metadataPath, "utf8")) as {
    primary_metric: { value: number };
  };
  metadata.primary_metric.value += delta;
  await writeFile(metadataPath, JSON.stringify(metadata));
}

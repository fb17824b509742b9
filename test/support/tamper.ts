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
  await rewriteSigned(versionDir, "golden.json", Buffer.from(JSON.stringify(golden)));
}

/**
 * Adds an initializer that no node uses to model.onnx, and re-signs it: the model still scores
 * as before, and ONNX Runtime warns about it while loading ("Removing initializer 'unused'…").
 */
export async function addUnusedInitializer(versionDir: string): Promise<void> {
  const model = await readFile(path.join(versionDir, "model.onnx"));
  const GRAPH = 7; // ModelProto.graph
  const INITIALIZER = 5; // GraphProto.initializer
  // TensorProto: dims [1] (1), data_type FLOAT (2), name (8), raw_data: one float (9).
  const tensor = Buffer.concat([
    Buffer.from([(1 << 3) | 0, 1, (2 << 3) | 0, 1]),
    lengthDelimited(8, Buffer.from("unused")),
    lengthDelimited(9, Buffer.alloc(4)),
  ]);
  const parts: Buffer[] = [];
  let at = 0;
  while (at < model.length) {
    const start = at;
    const [key, afterKey] = readVarint(model, at);
    const field = key >> 3;
    const wireType = key & 7;
    if (wireType === 0) at = readVarint(model, afterKey)[1];
    else if (wireType === 1) at = afterKey + 8;
    else if (wireType === 5) at = afterKey + 4;
    else if (wireType === 2) {
      const [length, body] = readVarint(model, afterKey);
      at = body + length;
      if (field === GRAPH) {
        const graph = Buffer.concat([
          model.subarray(body, at),
          lengthDelimited(INITIALIZER, tensor),
        ]);
        parts.push(lengthDelimited(GRAPH, graph));
        continue;
      }
    } else throw new Error(`model.onnx: unexpected wire type ${wireType} at byte ${start}`);
    parts.push(model.subarray(start, at));
  }
  await rewriteSigned(versionDir, "model.onnx", Buffer.concat(parts));
}

function readVarint(bytes: Buffer, offset: number): [value: number, next: number] {
  let value = 0;
  let shift = 0;
  let at = offset;
  for (;;) {
    const byte = bytes.readUInt8(at++);
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return [value, at];
    shift += 7;
  }
}

function varint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

function lengthDelimited(field: number, body: Buffer): Buffer {
  return Buffer.concat([varint((field << 3) | 2), varint(body.length), body]);
}

/** Writes a file of a version and its new digest into metadata.json, so the version verifies. */
export async function rewriteSigned(
  versionDir: string,
  file: string,
  bytes: Buffer,
): Promise<void> {
  await writeFile(path.join(versionDir, file), bytes);
  const metadataPath = path.join(versionDir, "metadata.json");
  const metadata = JSON.parse(await readFile(metadataPath, "utf8")) as {
    files: Record<string, { sha256: string; bytes: number }>;
  };
  metadata.files[file] = {
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

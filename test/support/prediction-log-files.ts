import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { ModelMetadata, NumericBaseline } from "../../src/model/metadata.js";
import { mulberry32 } from "../../src/model/explain/prng.js";
import type {
  OutcomeRecord,
  PredictionRecord,
} from "../../src/monitoring/prediction-log/record.js";

/**
 * Prediction logs for the monitoring job's tests: instances sampled from a version's training
 * baselines (seeded), and a local directory in the GCS sink's layout.
 */

export type Instance = Record<string, string | number | null>;

/**
 * `count` instances drawn field by field from metadata.json's baselines: a numeric value
 * uniform within a bin picked by the bin frequencies (null with the missing fraction), a
 * category by its frequency (null for the missing marker's share when the schema does not list
 * it as a category a client sends: preprocessor v2). Their drift against the baseline is
 * sampling noise only.
 */
export function sampleFromBaselines(
  metadata: ModelMetadata,
  count: number,
  seed: number,
): Instance[] {
  const random = mulberry32(seed);
  const baselines = Object.entries(metadata.baselines ?? {});
  const sendable = new Map(metadata.schema.fields.map((f) => [f.name, new Set(f.categories)]));
  return Array.from({ length: count }, () => {
    const instance: Instance = {};
    for (const [name, baseline] of baselines) {
      if (baseline.type === "numeric") {
        instance[name] = drawNumeric(baseline, random);
      } else {
        const categories = Object.keys(baseline.frequencies);
        const category =
          categories[
            pick(
              categories.map((c) => baseline.frequencies[c]!),
              random,
            )
          ]!;
        instance[name] = sendable.get(name)?.has(category) === false ? null : category;
      }
    }
    return instance;
  });
}

/**
 * `count` scores drawn from metadata.json's score_baseline as numeric fields are drawn (0.5
 * each for a version without one): scores whose drift is sampling noise only.
 */
export function sampleScores(metadata: ModelMetadata, count: number, seed: number): number[] {
  const random = mulberry32(seed);
  const baseline = metadata.score_baseline;
  return Array.from({ length: count }, () =>
    baseline === undefined ? 0.5 : (drawNumeric(baseline, random) ?? 0.5),
  );
}

/** An index drawn with probability proportional to `weights`. */
function pick(weights: readonly number[], random: () => number): number {
  const total = weights.reduce((a, b) => a + b, 0);
  let u = random() * total;
  for (let i = 0; i < weights.length; i++) {
    u -= weights[i]!;
    if (u < 0) return i;
  }
  return weights.length - 1;
}

/** Null with the missing fraction, else uniform within a bin picked by the bin frequencies. */
function drawNumeric(baseline: NumericBaseline, random: () => number): number | null {
  if (random() < baseline.missing_fraction || baseline.bin_edges.length < 2) return null;
  const bin = pick(baseline.frequencies, random);
  const [lo, hi] = [baseline.bin_edges[bin]!, baseline.bin_edges[bin + 1]!];
  return lo + random() * (hi - lo);
}

export function predictionRecord(
  overrides: Partial<PredictionRecord> & Pick<PredictionRecord, "lead_id" | "score">,
): PredictionRecord {
  return {
    kind: "prediction",
    time: "2026-11-30T10:00:00.000Z",
    request_id: "req-1",
    model: "lead-scoring",
    model_version: "1.0.0",
    label: null,
    threshold: null,
    fields: {},
    ...overrides,
  };
}

export function outcomeRecord(
  overrides: Partial<OutcomeRecord> & Pick<OutcomeRecord, "lead_id" | "converted">,
): OutcomeRecord {
  return {
    kind: "outcome",
    time: "2026-11-30T12:00:00.000Z",
    request_id: "req-2",
    observed_at: "2026-11-30T11:00:00Z",
    model_version: null,
    ...overrides,
  };
}

/**
 * Writes records under `root` as the GCS sink names them (one object per partition, named
 * `object`), with `extraLines` appended verbatim to every object (e.g. malformed lines).
 */
export async function writeLog(
  root: string,
  records: readonly (PredictionRecord | OutcomeRecord)[],
  options: { object?: string; extraLines?: readonly string[] } = {},
): Promise<string[]> {
  const objects = new Map<string, string[]>();
  for (const record of records) {
    const date = record.time.slice(0, 10);
    const dir =
      record.kind === "prediction"
        ? `predictions/date=${date}/model=${record.model}/version=${record.model_version}`
        : `outcomes/date=${date}`;
    const name = `${dir}/${options.object ?? "pod-a-00000000-20261130T100000Z-000001.ndjson"}`;
    objects.set(name, [...(objects.get(name) ?? []), JSON.stringify(record)]);
  }
  for (const [name, lines] of objects) {
    await mkdir(path.dirname(path.join(root, name)), { recursive: true });
    await writeFile(
      path.join(root, name),
      `${[...lines, ...(options.extraLines ?? [])].join("\n")}\n`,
    );
  }
  return [...objects.keys()];
}

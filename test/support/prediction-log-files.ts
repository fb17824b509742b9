import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { ModelMetadata } from "../../src/model/metadata.js";
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
 * category by its frequency. Their drift against the baseline is sampling noise only.
 */
export function sampleFromBaselines(
  metadata: ModelMetadata,
  count: number,
  seed: number,
): Instance[] {
  const random = mulberry32(seed);
  const pick = (weights: readonly number[]) => {
    const total = weights.reduce((a, b) => a + b, 0);
    let u = random() * total;
    for (let i = 0; i < weights.length; i++) {
      u -= weights[i]!;
      if (u < 0) return i;
    }
    return weights.length - 1;
  };
  const baselines = Object.entries(metadata.baselines ?? {});
  return Array.from({ length: count }, () => {
    const instance: Instance = {};
    for (const [name, baseline] of baselines) {
      if (baseline.type === "numeric") {
        if (random() < baseline.missing_fraction || baseline.bin_edges.length < 2) {
          instance[name] = null;
          continue;
        }
        const bin = pick(baseline.frequencies);
        const [lo, hi] = [baseline.bin_edges[bin]!, baseline.bin_edges[bin + 1]!];
        instance[name] = lo + random() * (hi - lo);
      } else {
        const categories = Object.keys(baseline.frequencies);
        instance[name] = categories[pick(categories.map((c) => baseline.frequencies[c]!))]!;
      }
    }
    return instance;
  });
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

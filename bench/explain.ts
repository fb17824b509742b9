/**
 * In-process explain latency per lead on the default model, at batch 1 and batch 100, in one run
 * so the ratios are comparable on a noisy machine:
 * - TreeSHAP attributions alone: the load-time tables (leaf-tables.ts, Fast TreeSHAP v2) against
 *   Algorithm 2's recursion per row (the same TreeShap with no table budget);
 * - the whole explain call (encode + ONNX prediction + TreeSHAP), and sampled Shapley at
 *   path_count 10 for comparison.
 * Part of `npm run bench`; also runs alone: `taskset -c 1 node --import tsx bench/explain.ts`.
 * Timings, not assertions.
 *
 * p50/p99 are wall time per lead (a batch's time / its size); "cpu µs/lead" is the process's CPU
 * time over all timed calls per lead, which time slices lost to other processes do not inflate.
 * BENCH_EXPLAIN_LEADS (default 4000) tunes how many leads each case times.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { TreeShap } from "../src/model/explain/tree-shap.js";
import type { ExplainOptions } from "../src/model/explain/types.js";
import { parseXGBoostJson } from "../src/model/explain/xgboost-json.js";
import type { LoadedModel } from "../src/model/loaded-model.js";
import { builtInGolden, builtInModel, builtInVersionDir } from "../test/support/app.js";

const LEADS = Number(process.env.BENCH_EXPLAIN_LEADS ?? 4000);
/** The target for TreeSHAP attributions, p50 per lead in process. */
const TARGET_MS = 0.08;

export interface ExplainBenchRow {
  readonly case: string;
  readonly batch: number;
  readonly "p50 ms/lead": number;
  readonly "p99 ms/lead": number;
  readonly "cpu µs/lead": number;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}

/** Times `call(i)` (one batch of `batch` leads) until `leads` leads are done, after a warm-up. */
async function time(
  name: string,
  batch: number,
  leads: number,
  call: (i: number) => Promise<unknown> | void,
): Promise<ExplainBenchRow> {
  const calls = Math.max(20, Math.ceil(leads / batch));
  for (let i = 0; i < Math.min(200, calls); i++) await call(i); // warm up the JIT and the session
  const samples: number[] = [];
  const cpuBefore = process.cpuUsage();
  for (let i = 0; i < calls; i++) {
    const started = performance.now();
    await call(i);
    samples.push((performance.now() - started) / batch);
  }
  const cpu = process.cpuUsage(cpuBefore);
  samples.sort((a, b) => a - b);
  const round = (value: number): number => Math.round(value * 1000) / 1000;
  return {
    case: name,
    batch,
    "p50 ms/lead": round(percentile(samples, 0.5)),
    "p99 ms/lead": round(percentile(samples, 0.99)),
    "cpu µs/lead": Math.round(((cpu.user + cpu.system) / (calls * batch)) * 10) / 10,
  };
}

/** Times explanations on `model`; returns the table rows and the TreeSHAP/sampled speed ratio. */
export async function benchExplain(
  model: LoadedModel,
): Promise<{ rows: ExplainBenchRow[]; ratio: number }> {
  const instances = builtInGolden().rows.map((row) => row.instance);
  const features = model.preprocessor.encode(instances);
  const count = instances.length;
  const width = model.width;
  const treeShap: ExplainOptions = { method: "tree_shap", pathCount: 0, seed: 0 };
  const sampled: ExplainOptions = { method: "sampled_shapley", pathCount: 10, seed: 0 };
  const tables = model.explainer.tree;
  const recursion = new TreeShap(
    parseXGBoostJson(readFileSync(path.join(builtInVersionDir(), "xgboost.json")), "xgboost.json"),
    { tableBudget: 0 },
  );
  // Batches of 100 distinct leads, cycling through the golden leads; one lead at a time cycles too.
  const batchOf = (i: number, size: number): unknown[] =>
    Array.from({ length: size }, (_, k) => instances[(i * size + k) % count]);
  const encodedBatches = Array.from({ length: count }, (_, i) =>
    model.preprocessor.encode(batchOf(i, 100)),
  );
  const out = new Float64Array(100 * (width + 1));
  const attributions = (shap: TreeShap) => ({
    one: (i: number) => shap.contributions(features, (i % count) * width, out),
    hundred: (i: number) => shap.contributionsBatch(encodedBatches[i % count]!, 100, out),
  });
  const withTables = attributions(tables);
  const withRecursion = attributions(recursion);

  const rows = [
    await time("TreeSHAP attributions, leaf tables", 1, LEADS, withTables.one),
    await time("TreeSHAP attributions, leaf tables", 100, LEADS * 10, withTables.hundred),
    await time("TreeSHAP attributions, Algorithm 2 recursion", 1, LEADS / 4, withRecursion.one),
    await time("TreeSHAP attributions, Algorithm 2 recursion", 100, LEADS, withRecursion.hundred),
    await time("explain, TreeSHAP (encode + ONNX + attributions)", 1, LEADS, (i) =>
      model.explain(batchOf(i, 1), treeShap),
    ),
    await time("explain, TreeSHAP (encode + ONNX + attributions)", 100, LEADS * 10, (i) =>
      model.explain(batchOf(i, 100), treeShap),
    ),
    await time("explain, sampled Shapley path_count 10 (one ONNX run)", 1, LEADS / 4, (i) =>
      model.explain(batchOf(i, 1), sampled),
    ),
  ];
  return { rows, ratio: rows[6]!["p50 ms/lead"] / rows[4]!["p50 ms/lead"] };
}

export function printExplainBench({ rows, ratio }: Awaited<ReturnType<typeof benchExplain>>) {
  console.table(rows);
  const tables = rows[0]!["p50 ms/lead"];
  console.log(
    `TreeSHAP attributions p50 per lead, batch 1: ${tables} ms with the leaf tables, ` +
      `${(rows[2]!["p50 ms/lead"] / tables).toFixed(1)}× faster than Algorithm 2's recursion ` +
      `(target ≤ ${TARGET_MS} ms: ${tables <= TARGET_MS ? "met" : "MISSED"}). ` +
      `Whole explain call, batch 1: TreeSHAP ${ratio.toFixed(1)}× as fast as sampled Shapley ` +
      `(path_count 10).`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const model = await builtInModel();
  console.log(`explain, in-process, default model ${model.name} ${model.version}\n`);
  printExplainBench(await benchExplain(model));
  await model.release();
}

/**
 * In-process explain latency per lead on the default model: exact TreeSHAP against sampled
 * Shapley at path_count 10, in the same run so their ratio is comparable on a noisy machine.
 * Part of `npm run bench`; also runs alone: `npx tsx bench/explain.ts`. Timings, not assertions.
 *
 * BENCH_EXPLAIN_LEADS (default 2000) tunes how many single-lead calls each case times.
 */
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import type { ExplainOptions } from "../src/model/explain/types.js";
import type { LoadedModel } from "../src/model/loaded-model.js";
import { builtInGolden, builtInModel } from "../test/support/app.js";

const LEADS = Number(process.env.BENCH_EXPLAIN_LEADS ?? 2000);

export interface ExplainBenchRow {
  readonly case: string;
  readonly "p50 ms": number;
  readonly "p99 ms": number;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}

async function time(
  name: string,
  calls: number,
  call: (i: number) => Promise<unknown> | void,
): Promise<ExplainBenchRow> {
  for (let i = 0; i < Math.min(200, calls); i++) await call(i); // warm up the JIT and the session
  const samples: number[] = [];
  for (let i = 0; i < calls; i++) {
    const started = performance.now();
    await call(i);
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  const round = (ms: number): number => Math.round(ms * 1000) / 1000;
  return {
    case: name,
    "p50 ms": round(percentile(samples, 0.5)),
    "p99 ms": round(percentile(samples, 0.99)),
  };
}

/** Times single-lead explanations on `model`; returns the table rows and the speed ratio. */
export async function benchExplain(
  model: LoadedModel,
): Promise<{ rows: ExplainBenchRow[]; ratio: number }> {
  const leads = builtInGolden().rows.map((row) => [row.instance]);
  const lead = (i: number): unknown[] => leads[i % leads.length]!;
  const treeShap: ExplainOptions = { method: "tree_shap", pathCount: 0, seed: 0 };
  const sampled: ExplainOptions = { method: "sampled_shapley", pathCount: 10, seed: 0 };
  const tree = model.explainer.tree;
  const features = model.preprocessor.encode(leads.map(([instance]) => instance));
  const out = new Float64Array(model.width + 1);

  const rows = [
    await time("TreeSHAP, per lead (encode + ONNX prediction + attributions)", LEADS, (i) =>
      model.explain(lead(i), treeShap),
    ),
    await time("TreeSHAP attributions alone, per lead", LEADS, (i) => {
      tree?.contributions(features, (i % leads.length) * model.width, out);
    }),
    await time("sampled Shapley path_count 10, per lead (one ONNX run)", LEADS / 4, (i) =>
      model.explain(lead(i), sampled),
    ),
  ];
  return { rows, ratio: rows[2]!["p50 ms"] / rows[0]!["p50 ms"] };
}

export function printExplainBench({ rows, ratio }: Awaited<ReturnType<typeof benchExplain>>) {
  console.table(rows);
  console.log(
    `TreeSHAP vs sampled Shapley (path_count 10), p50 per lead in-process: TreeSHAP is ` +
      `${ratio.toFixed(1)}× as fast (target TreeSHAP p50 < 1 ms per lead: ` +
      `${rows[0]!["p50 ms"] < 1 ? "met" : "MISSED"})`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const model = await builtInModel();
  console.log(`explain, in-process, default model ${model.name} ${model.version}\n`);
  printExplainBench(await benchExplain(model));
  await model.release();
}

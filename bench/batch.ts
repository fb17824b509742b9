/**
 * Batch scoring throughput and memory (issue 17): `lead-scoring score` over 1,000,000 generated
 * leads in a local CSV, as the chart's Job runs it (the built CLI, NODE_OPTIONS
 * --max-semi-space-size=4) and pinned to CPU 0, without and with `--explain 3`. Reports rows/s of
 * the scoring (from the command's own --json summary, model loading excluded), rows per CPU-second
 * over the same span (user + system: steadier than wall time on a shared machine, and what "on
 * one core" means), the wall time of the whole command, and its peak RSS; then PASS/MISS against
 * the targets (≥ 150,000 leads/s without explanations, peak RSS < 200 MB). Timings are reported,
 * never asserted.
 *
 *   npm run build && node --import tsx bench/batch.ts     # alone; `npm run bench` runs it last
 *
 * BENCH_BATCH_ROWS (default 1000000) tunes the input's size.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { PACKAGE_ROOT } from "../src/package-root.js";
import { writeManyLeadsCsv } from "../test/support/batch-files.js";

const ROWS = Number(process.env.BENCH_BATCH_ROWS ?? 1_000_000);
const TARGET_ROWS_S = 150_000;
const TARGET_RSS_MB = 200;
/** The young generation the chart's Job gives Node (batchScoring in values.yaml). */
const NODE_OPTIONS = "--max-semi-space-size=4";

interface BatchRun {
  readonly case: string;
  readonly rows: number;
  readonly "rows/s": number;
  readonly "rows/CPU-s": number;
  readonly "wall s": number;
  readonly "peak RSS MB": number;
}

async function scoreOnce(name: string, input: string, output: string, extra: string[]) {
  const cli = path.join(PACKAGE_ROOT, "dist", "src", "cli", "main.js");
  const args = ["-c", "0", process.execPath, cli, "score", "--input", input, "--output", output];
  const started = performance.now();
  const child = spawn("taskset", [...args, "--json", ...extra], {
    env: { ...process.env, NODE_ENV: "production", NODE_OPTIONS },
    stdio: ["ignore", "pipe", "ignore"],
  });
  let stdout = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  const [code] = (await once(child, "close")) as [number | null];
  if (code !== 0) throw new Error(`${name}: lead-scoring score exited with ${code}`);
  const summary = JSON.parse(stdout) as {
    read: number;
    rowsPerSecond: number;
    rowsPerCpuSecond: number;
    peakRssMb: number;
  };
  return {
    case: name,
    rows: summary.read,
    "rows/s": summary.rowsPerSecond,
    "rows/CPU-s": summary.rowsPerCpuSecond,
    "wall s": Math.round(performance.now() - started) / 1000,
    "peak RSS MB": summary.peakRssMb,
  } satisfies BatchRun;
}

export async function benchBatch(): Promise<void> {
  const folder = await mkdtemp(path.join(tmpdir(), "lead-scoring-bench-batch-"));
  try {
    const input = path.join(folder, "leads.csv");
    await writeManyLeadsCsv(input, ROWS);
    const runs = [
      await scoreOnce("score, CSV → JSONL", input, path.join(folder, "scores.jsonl"), []),
      await scoreOnce("score --explain 3", input, path.join(folder, "explained.jsonl"), [
        "--explain",
        "3",
      ]),
    ];
    console.log(`\nbatch scoring: lead-scoring score, ${ROWS} generated leads, one core`);
    console.table(runs);
    const [plain] = runs;
    const peak = Math.max(...runs.map((run) => run["peak RSS MB"]));
    const verdict = (ok: boolean) => (ok ? "PASS" : "MISS");
    console.log(
      `${verdict(plain!["rows/s"] >= TARGET_ROWS_S)} batch scoring without explanations: ` +
        `${plain!["rows/s"]} leads/s, ${plain!["rows/CPU-s"]} per CPU-second ` +
        `(target ≥ ${TARGET_ROWS_S})`,
    );
    console.log(
      `${verdict(peak < TARGET_RSS_MB)} batch scoring peak RSS: ${peak} MB (target < ${TARGET_RSS_MB} MB)`,
    );
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await benchBatch();

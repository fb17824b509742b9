/**
 * `npm run bench`: throughput, latency and memory of the service against the HTTP ceiling (a bare
 * Fastify route parsing the same POST body), a bare Fastify + ONNX Runtime route, and the peers
 * users compare us with (FastAPI + XGBoost, Seldon MLServer, KServe), all in one run so their
 * ratios are comparable on a noisy machine. Each server is a separate process pinned to CPU 0
 * (`taskset`); this load generator runs on the other CPU. Figures go to stdout as tables, then
 * issue 15's targets as PASS/MISS lines. Not part of `npm test`: timings are not assertions.
 *
 * The service runs twice, with drift monitoring on (the default) and off (MONITORING_ENABLED=false),
 * and the single-lead req/s ratio on/off is printed: the hot-path budget is ≥ 95 %. A third
 * instance runs with API keys and a per-key rate limit (API_KEYS_FILE, a quota it never reaches):
 * its single-lead req/s against the default's is the cost of authentication plus rate limiting.
 * Last, bench/startup.ts measures start-up to ready and RSS after a batch-100 run.
 *
 * Flags: --no-peers (or BENCH_PEERS=0) skips the peers for a quick run; --peers forces them on.
 * BENCH_SECONDS (default 10) and BENCH_CONNECTIONS (default 32) tune a run.
 */
import type { ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { performance } from "node:perf_hooks";
import { builtInGolden, builtInModel, builtInVersionDir } from "../test/support/app.js";
import { benchExplain, printExplainBench } from "./explain.js";
import { CONNECTIONS, SECONDS, measure, type Case, type Measured } from "./load.js";
import { measurePeer, type PeerResult } from "./peers/measure-peer.js";
import { PEERS, type Lead, type Peer } from "./peers/peers.js";
import { residentMb, startPinned, startService, stop } from "./server-process.js";
import { targetLines } from "./targets.js";
import { PACKAGE_ROOT } from "../src/package-root.js";
import type { LoadedModel } from "../src/model/loaded-model.js";
import { compileDriftTables } from "../src/monitoring/drift/bins.js";
import { DriftMonitor } from "../src/monitoring/drift/monitor.js";

const HELP = `npm run bench [-- --no-peers | --peers]

  --no-peers   skip FastAPI, MLServer and KServe (a quick run); also BENCH_PEERS=0
  --peers      run them (the default); each sets up its virtual environment in
               bench/.venvs/<peer> on first use (minutes, from PyPI)
  BENCH_SECONDS (10) and BENCH_CONNECTIONS (32) tune each case.`;

const { values: flags } = parseArgs({
  options: { peers: { type: "boolean" }, help: { type: "boolean", short: "h" } },
  allowNegative: true,
});
if (flags.help === true) {
  console.log(HELP);
  process.exit(0);
}
const RUN_PEERS = flags.peers ?? process.env.BENCH_PEERS !== "0";

const SERVICE_PORT = 18080;
const UNMONITORED_PORT = 18085;
const GUARDED_PORT = 18087;
const BENCH_KEY = "bench-key-0123456789abcdef";
const BARE_PORT = 18090;
const CEILING_PORT = 18095;
/** Each peer gets 10 ports from here (MLServer also opens gRPC and metrics on port + 1, + 2). */
const PEER_PORTS = 18100;

const BATCHES = [1, 100] as const;
/** The ceiling's row label: a bare Fastify `POST /predict` that parses the body, answers a constant. */
const CEILING = "ceiling";

const golden = builtInGolden();
const leads = (n: number): Lead[] =>
  Array.from({ length: n }, (_, i) => golden.rows[i % golden.rows.length]!);
const goldenPredictions = (n: number) =>
  leads(n).map((_, i) => golden.rows[i % golden.rows.length]!.prediction);
const instances = (n: number) =>
  JSON.stringify({ instances: leads(n).map((lead) => lead.instance) });
const explainOneLead = (parameters?: object) =>
  JSON.stringify({ instances: [golden.rows[0]!.instance], parameters });

const plural = (n: number) => `${n} lead${n > 1 ? "s" : ""}`;
const predictCase = (name: string, port: number, rows: number): Case => ({
  name,
  port,
  method: "POST",
  path: "/predict",
  body: instances(rows),
  rows,
});
const serviceCase = (rows: number) => `service POST /predict, ${plural(rows)}`;
const ceilingCase = (rows: number) => `ceiling POST /predict, ${plural(rows)}`;
const peerCase = (peer: Peer, rows: number) => `${peer.name} ${peer.path}, ${plural(rows)}`;

const explainCases = (port: number): Case[] => [
  {
    name: "service POST /explain, 1 lead, TreeSHAP",
    port,
    method: "POST",
    path: "/explain",
    body: explainOneLead(),
    rows: 1,
  },
  {
    name: "service POST /explain, 1 lead, sampled Shapley path_count 10",
    port,
    method: "POST",
    path: "/explain",
    body: explainOneLead({ method: "sampled_shapley", path_count: 10 }),
    rows: 1,
  },
];

/** In this process: µs that DriftMonitor.observe spends per single-instance batch. */
function driftMicroseconds(model: LoadedModel): number {
  const tables = compileDriftTables(model.metadata, model.preprocessor.spec)!;
  const options = {
    windowSize: 10_000,
    windowSeconds: 3600,
    threshold: 0.3,
    thresholds: new Map(),
  };
  const monitor = new DriftMonitor(model, tables, options);
  const rows = golden.rows.map((row) => [row.instance]);
  const scores = new Float32Array(1);
  const run = (n: number) => {
    const started = performance.now();
    for (let i = 0; i < n; i++) monitor.observe(rows[i % rows.length], scores);
    return ((performance.now() - started) * 1000) / n;
  };
  run(100_000); // warm-up
  return Math.min(run(200_000), run(200_000), run(200_000));
}

/**
 * A bench server written in TypeScript, run by Node's own type stripping rather than tsx, so its
 * RSS and start-up carry no loader (tsx would also fork an esbuild process).
 */
const benchServer = (
  name: string,
  file: string,
  port: number,
  readyPath: string,
  ...args: string[]
) =>
  startPinned(
    name,
    [process.execPath, path.join(PACKAGE_ROOT, "bench", file), ...args],
    `http://127.0.0.1:${port}${readyPath}`,
    { env: { PORT: String(port) } },
  );

// Started in the `try` below, stopped in its `finally` whatever happens in between.
const servers: ChildProcess[] = [];
const started = async (server: Promise<ChildProcess>) => {
  const child = await server;
  servers.push(child);
  return child;
};

/** A keys file with the one bench key: every scope, a quota far above what a run sends. */
function benchKeysFile(): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "lead-scoring-bench-keys-")), "keys.yaml");
  const sha256 = createHash("sha256").update(BENCH_KEY).digest("hex");
  writeFileSync(
    file,
    JSON.stringify({
      keys: [
        {
          name: "bench",
          sha256,
          scopes: ["predict", "explain"],
          rateLimit: { max: 1_000_000_000, timeWindow: "1 minute" },
        },
      ],
    }),
  );
  return file;
}

/**
 * req/s of two cases, `rounds` runs each in the order (on, off, off, on) repeated, so a change in
 * the machine's speed during the run weighs on both sides alike.
 */
async function onOff(on: Case, off: Case, rounds = 4): Promise<{ on: number; off: number }> {
  const sums = { on: 0, off: 0 };
  const order = ["on", "off", "off", "on"] as const;
  for (let i = 0; i < 2 * rounds; i++) {
    const side = order[i % order.length]!;
    sums[side] += (await measure(side === "on" ? on : off))["req/s"];
  }
  return { on: Math.round(sums.on / rounds), off: Math.round(sums.off / rounds) };
}

/**
 * The ratio targets' figures from interleaved pairs (two runs of each side), not from the
 * table's single runs: on this noisy machine a ratio of two runs minutes apart measures the
 * machine as much as the service.
 */
async function interleavedTargetFigures() {
  const service1 = predictCase(serviceCase(1), SERVICE_PORT, 1);
  const vsCeiling1 = await onOff(service1, predictCase(ceilingCase(1), CEILING_PORT, 1), 2);
  const vsCeiling100 = await onOff(
    predictCase(serviceCase(100), SERVICE_PORT, 100),
    predictCase(ceilingCase(100), CEILING_PORT, 100),
    2,
  );
  const explainVsPredict = await onOff(explainCases(SERVICE_PORT)[0]!, service1, 2);
  return {
    ceiling1ReqS: vsCeiling1.off,
    predict1ReqS: vsCeiling1.on,
    ceiling100RowsS: 100 * vsCeiling100.off,
    predict100RowsS: 100 * vsCeiling100.on,
    explain1ReqS: explainVsPredict.on,
    predictBesideExplain1ReqS: explainVsPredict.off,
  };
}

/** Drift monitoring on (the default service) against off. */
const monitoringOnOff = (rows: number) =>
  onOff(
    predictCase(`monitoring on, ${plural(rows)}`, SERVICE_PORT, rows),
    predictCase(`monitoring off, ${plural(rows)}`, UNMONITORED_PORT, rows),
  );

/** API keys and a per-key rate limit on, against the default service without them. */
const accessOnOff = (rows: number) =>
  onOff(
    {
      ...predictCase(`keys + rate limit on, ${plural(rows)}`, GUARDED_PORT, rows),
      headers: { authorization: `Bearer ${BENCH_KEY}` },
    },
    predictCase(`keys + rate limit off, ${plural(rows)}`, SERVICE_PORT, rows),
  );

interface PeerTableRow {
  readonly server: string;
  readonly batch: number;
  readonly "req/s": number | string;
  readonly "rows/s": number | string;
  readonly "p50 ms": number | string;
  readonly "p99 ms": number | string;
  readonly "RSS MB": number | string;
}

/** One server's two rows (batch 1, 100); RSS read after its batch-100 run. */
function tableRows(server: string, result: PeerResult): PeerTableRow[] {
  return BATCHES.map((batch, i) => {
    if ("unavailable" in result) {
      const na = "n/a";
      return {
        server,
        batch,
        "req/s": "not available",
        "rows/s": na,
        "p50 ms": na,
        "p99 ms": na,
        "RSS MB": na,
      };
    }
    const m = result.rows[i]!;
    return {
      server,
      batch,
      "req/s": m["req/s"],
      "rows/s": m["rows/s"],
      "p50 ms": m["p50 ms"],
      "p99 ms": m["p99 ms"],
      "RSS MB": Math.round(result.residentMb),
    };
  });
}

/** Our own servers' two batches on `port`, then the process's RSS. */
async function measureOwn(
  port: number,
  pid: number,
  name: (rows: number) => string,
): Promise<PeerResult> {
  const rows: Measured[] = [];
  for (const n of BATCHES) rows.push(await measure(predictCase(name(n), port, n)));
  return { rows, residentMb: residentMb(pid) };
}

try {
  const service = await started(startService("service", SERVICE_PORT));
  await started(
    startService("service-unmonitored", UNMONITORED_PORT, { MONITORING_ENABLED: "false" }),
  );
  await started(startService("service-keys", GUARDED_PORT, { API_KEYS_FILE: benchKeysFile() }));
  await started(
    benchServer("bare-onnx", "bare-server.ts", BARE_PORT, "/health", builtInVersionDir()),
  );
  const ceiling = await started(benchServer("ceiling", "ceiling-server.ts", CEILING_PORT, "/"));
  console.log(`${SECONDS} s per case, ${CONNECTIONS} connections; servers pinned to CPU 0\n`);
  const results = new Map<string, PeerResult>();
  results.set(CEILING, await measureOwn(CEILING_PORT, ceiling.pid!, ceilingCase));
  results.set("lead-scoring", await measureOwn(SERVICE_PORT, service.pid!, serviceCase));
  const peerResults = new Map<Peer, PeerResult>();
  for (const [i, peer] of (RUN_PEERS ? PEERS : []).entries()) {
    const result = await measurePeer(
      peer,
      PEER_PORTS + 10 * i,
      builtInVersionDir(),
      leads,
      goldenPredictions,
      peerCase,
    );
    peerResults.set(peer, result);
    results.set(peer.name, result);
  }

  const others: Measured[] = [];
  for (const c of [
    {
      name: "bare Fastify GET /",
      port: CEILING_PORT,
      method: "GET",
      path: "/",
      rows: 0,
    } satisfies Case,
    predictCase("bare Fastify + ONNX, 1 lead", BARE_PORT, 1),
    ...explainCases(SERVICE_PORT),
  ]) {
    others.push(await measure(c));
  }

  console.log(
    "Servers side by side (RSS: the server process and its children after its batch-100 run)",
  );
  console.table([...results].flatMap(([server, result]) => tableRows(server, result)));
  for (const [peer, result] of peerResults) {
    console.log(
      `- ${peer.name}: ${"unavailable" in result ? `NOT AVAILABLE: ${result.unavailable}` : peer.note}`,
    );
  }
  console.log("- ceiling: bare Fastify POST /predict parsing the same body, answering a constant");
  if (!RUN_PEERS) console.log("- peers skipped (--no-peers or BENCH_PEERS=0)");
  console.log();
  console.table(others);

  const figure = (server: string, batch: number, key: "req/s" | "rows/s" | "p99 ms") => {
    const result = results.get(server);
    return result === undefined || "unavailable" in result
      ? undefined
      : result.rows[BATCHES.indexOf(batch as 1 | 100)]?.[key];
  };
  for (const [peer] of peerResults) {
    for (const n of BATCHES) {
      const speedup =
        (figure("lead-scoring", n, "rows/s") ?? Number.NaN) /
        (figure(peer.name, n, "rows/s") ?? Number.NaN);
      if (Number.isFinite(speedup)) {
        console.log(
          `POST /predict, ${plural(n)}: the service scores ${speedup.toFixed(1)}× the rows/s of ${peer.name}`,
        );
      }
    }
  }
  for (const n of BATCHES) {
    const { on, off } = await monitoringOnOff(n);
    console.log(
      `POST /predict, ${plural(n)}: drift monitoring on ${on} req/s, off ${off} req/s: ` +
        `on/off = ${((100 * on) / off).toFixed(1)} %` +
        (n === 1 ? " (budget ≥ 95 %)" : ""),
    );
  }
  const access = await accessOnOff(1);
  console.log(
    `POST /predict, 1 lead: API keys + rate limit on ${access.on} req/s, off ${access.off} req/s: ` +
      `on/off = ${((100 * access.on) / access.off).toFixed(1)} % (target ≥ 95 %)`,
  );
  const explainRate = (method: string) =>
    others.find(
      (row) => row.case.startsWith("service POST /explain") && row.case.includes(method),
    )?.["req/s"];
  console.log(
    `/explain over HTTP, 1 lead: TreeSHAP serves ${((explainRate("TreeSHAP") ?? Number.NaN) / (explainRate("sampled") ?? Number.NaN)).toFixed(1)}× ` +
      "the leads per second of sampled Shapley (path_count 10)\n",
  );

  const paired = await interleavedTargetFigures();
  console.log(
    `Interleaved pairs (req/s, mean of 2 runs each): /predict 1 lead ${paired.predict1ReqS} vs ` +
      `ceiling ${paired.ceiling1ReqS}; /predict 100 leads ${paired.predict100RowsS} rows/s vs ` +
      `ceiling ${paired.ceiling100RowsS}; /explain 1 lead ${paired.explain1ReqS} vs /predict ` +
      `${paired.predictBesideExplain1ReqS}`,
  );
  console.log(
    "Targets (issue 15), from this run (ratios to the ceiling and /explain interleaved):",
  );
  for (const line of targetLines({
    ...paired,
    predict1P99Ms: figure("lead-scoring", 1, "p99 ms"),
    mlserver1ReqS: figure("mlserver", 1, "req/s"),
    kserve1ReqS: figure("kserve", 1, "req/s"),
  })) {
    console.log(line);
  }
  console.log();

  // In this (load generator) process, after the HTTP cases: latency per lead without HTTP.
  const model = await builtInModel();
  printExplainBench(await benchExplain(model));
  const perInstance = driftMicroseconds(model);
  console.log(`drift monitoring, in-process: ${perInstance.toFixed(2)} µs per scored instance`);
  await model.release();
} finally {
  await Promise.all(servers.map(stop));
}

// Start-up to ready and RSS after a batch-100 run, each server alone on its core (issue 15).
await (await import("./startup.js")).benchStartup();
// A shadow candidate at 100 % sampling against none (issue 16).
const rollout = await import("./rollout.js");
rollout.printRolloutBench(await rollout.benchRollout());

// Batch scoring (issue 17): lead-scoring score over 1,000,000 leads from a local CSV.
await (await import("./batch.js")).benchBatch();

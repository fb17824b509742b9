/**
 * `npm run bench`: throughput and latency of the service against a bare Fastify route and a bare
 * Fastify + ONNX Runtime route, all in one run so their ratios are comparable on a noisy machine.
 * Each server is a separate process pinned to CPU 0 (`taskset`); this load generator runs on the
 * other CPU. Figures go to stdout as a table. Not part of `npm test`: timings are not assertions.
 *
 * The service runs twice, with drift monitoring on (the default) and off (MONITORING_ENABLED=false),
 * and the single-lead req/s ratio on/off is printed: the hot-path budget is ≥ 95 %. A third
 * instance runs with API keys and a per-key rate limit (API_KEYS_FILE, a quota it never reaches):
 * its single-lead req/s against the default's is the cost of authentication plus rate limiting.
 *
 * BENCH_SECONDS (default 10) and BENCH_CONNECTIONS (default 32) tune a run.
 */
import autocannon from "autocannon";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createHash } from "node:crypto";
import { mkdtempSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { builtInGolden, builtInModel, builtInVersionDir } from "../test/support/app.js";
import { benchExplain, printExplainBench } from "./explain.js";
import { pythonBaselineCommand } from "./python-baseline.js";
import { PACKAGE_ROOT } from "../src/package-root.js";
import type { LoadedModel } from "../src/model/loaded-model.js";
import { compileDriftTables } from "../src/monitoring/drift/bins.js";
import { DriftMonitor } from "../src/monitoring/drift/monitor.js";
import { performance } from "node:perf_hooks";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const WARMUP_SECONDS = 2;
const SERVICE_PORT = 18080;
const BARE_PORT = 18090;
const UNMONITORED_PORT = 18085;
const GUARDED_PORT = 18087;
const BENCH_KEY = "bench-key-0123456789abcdef";
const PYTHON_PORT = 18100;

interface Case {
  readonly name: string;
  readonly port: number;
  readonly method: "GET" | "POST";
  readonly path: string;
  readonly body?: string;
  /** Predictions (or explanations) per request, to report leads per second. */
  readonly leads: number;
  readonly headers?: Record<string, string>;
}

/**
 * Starts a server pinned to CPU 0 and waits until `readyUrl` answers 200. Its stdout (request
 * logs) goes to a file, as a container runtime would take it, so reading it costs the load
 * generator's CPU nothing.
 */
async function startPinned(
  args: string[],
  env: Record<string, string>,
  readyUrl: string,
): Promise<ChildProcess> {
  const logFile = openSync(path.join(tmpdir(), `lead-scoring-bench-${env.PORT}.log`), "w");
  const child = spawn("taskset", ["-c", "0", ...args], {
    cwd: PACKAGE_ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", logFile, "inherit"],
  });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${args.join(" ")} exited with ${child.exitCode}`);
    const ok = await fetch(readyUrl).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return child;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${readyUrl} not ready within 60 s`);
}

function residentMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

async function measure(c: Case) {
  const options = {
    url: `http://127.0.0.1:${c.port}${c.path}`,
    method: c.method,
    headers: { "content-type": "application/json", ...c.headers },
    body: c.body,
    connections: CONNECTIONS,
  };
  // Warm-up (JIT, caches), not recorded: the first second runs at a third of the steady rate.
  await autocannon({ ...options, duration: WARMUP_SECONDS });
  const result = await autocannon({ ...options, duration: SECONDS });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${c.name}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  }
  return {
    case: c.name,
    "req/s": Math.round(result.requests.average),
    "leads/s": Math.round(result.requests.average * c.leads),
    "p50 ms": result.latency.p50,
    "p99 ms": result.latency.p99,
  };
}

const golden = builtInGolden();
const instances = (n: number) =>
  JSON.stringify({
    instances: Array.from({ length: n }, (_, i) => golden.rows[i % golden.rows.length]!.instance),
  });

const explainOneLead = (parameters?: object) =>
  JSON.stringify({ instances: [golden.rows[0]!.instance], parameters });

const serviceCase = (leads: number) =>
  `service POST /predict, ${leads} lead${leads > 1 ? "s" : ""}`;
const pythonCase = (leads: number) =>
  `Python FastAPI + XGBoost POST /predict, ${leads} lead${leads > 1 ? "s" : ""}`;
const predictCase = (name: string, port: number, leads: number): Case => ({
  name,
  port,
  method: "POST",
  path: "/predict",
  body: instances(leads),
  leads,
});

/** The FastAPI design this service replaces, same core, same load, same leads. */
async function measurePythonBaseline(): Promise<Awaited<ReturnType<typeof measure>>[]> {
  const command = pythonBaselineCommand(PYTHON_PORT);
  if (command === undefined) return [];
  const python = await startPinned(
    command,
    { PORT: String(PYTHON_PORT), MODEL_DIR: builtInVersionDir() },
    `http://127.0.0.1:${PYTHON_PORT}/health`,
  );
  try {
    return [
      await measure(predictCase(pythonCase(1), PYTHON_PORT, 1)),
      await measure(predictCase(pythonCase(100), PYTHON_PORT, 100)),
    ];
  } finally {
    python.kill("SIGTERM");
    await once(python, "exit");
  }
}

export const serviceCases = (port: number): Case[] => [
  predictCase(serviceCase(1), port, 1),
  predictCase(serviceCase(100), port, 100),
  {
    name: "service POST /explain, 1 lead, TreeSHAP",
    port,
    method: "POST",
    path: "/explain",
    body: explainOneLead(),
    leads: 1,
  },
  {
    name: "service POST /explain, 1 lead, sampled Shapley path_count 10",
    port,
    method: "POST",
    path: "/explain",
    body: explainOneLead({ method: "sampled_shapley", path_count: 10 }),
    leads: 1,
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

/** The production command line (Dockerfile ENTRYPOINT, npm run start:prod) on `port`. */
const startService = (port: number, env: Record<string, string> = {}) =>
  startPinned(
    [
      process.execPath,
      "--max-semi-space-size=4",
      path.join(PACKAGE_ROOT, "dist", "src", "server.js"),
    ],
    {
      PORT: String(port),
      METRICS_PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "info",
      MAX_BATCH_SIZE: "1000",
      ...env,
    },
    `http://127.0.0.1:${port}/health/ready`,
  );
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

const service = await startService(SERVICE_PORT);
const unmonitored = await startService(UNMONITORED_PORT, { MONITORING_ENABLED: "false" });
const guarded = await startService(GUARDED_PORT, { API_KEYS_FILE: benchKeysFile() });

/**
 * req/s of two cases, four runs each in the order (on, off, off, on) × 2, so a change in the
 * machine's speed during the run weighs on both sides alike.
 */
async function onOff(on: Case, off: Case): Promise<{ on: number; off: number }> {
  const sums = { on: 0, off: 0 };
  for (const side of ["on", "off", "off", "on", "on", "off", "off", "on"] as const) {
    sums[side] += (await measure(side === "on" ? on : off))["req/s"];
  }
  return { on: Math.round(sums.on / 4), off: Math.round(sums.off / 4) };
}

/** Drift monitoring on (the default service) against off. */
const monitoringOnOff = (leads: number) =>
  onOff(
    predictCase(`monitoring on, ${leads} lead(s)`, SERVICE_PORT, leads),
    predictCase(`monitoring off, ${leads} lead(s)`, UNMONITORED_PORT, leads),
  );

/** API keys and a per-key rate limit on, against the default service without them. */
const accessOnOff = (leads: number) =>
  onOff(
    {
      ...predictCase(`keys + rate limit on, ${leads} lead(s)`, GUARDED_PORT, leads),
      headers: { authorization: `Bearer ${BENCH_KEY}` },
    },
    predictCase(`keys + rate limit off, ${leads} lead(s)`, SERVICE_PORT, leads),
  );
const bare = await startPinned(
  [
    process.execPath,
    "--import",
    "tsx",
    path.join(PACKAGE_ROOT, "bench", "bare-server.ts"),
    builtInVersionDir(),
  ],
  { PORT: String(BARE_PORT) },
  `http://127.0.0.1:${BARE_PORT}/`,
);

try {
  console.log(`${SECONDS} s per case, ${CONNECTIONS} connections; servers pinned to CPU 0\n`);
  const rows: Awaited<ReturnType<typeof measure>>[] = [];
  for (const c of [
    {
      name: "bare Fastify GET /",
      port: BARE_PORT,
      method: "GET",
      path: "/",
      leads: 0,
    } satisfies Case,
    {
      name: "bare Fastify + ONNX, 1 lead",
      port: BARE_PORT,
      method: "POST",
      path: "/predict",
      body: instances(1),
      leads: 1,
    } satisfies Case,
    ...serviceCases(SERVICE_PORT),
  ]) {
    rows.push(await measure(c));
  }
  rows.push(...(await measurePythonBaseline()));
  console.table(rows);
  const rate = (name: string) => rows.find((row) => row.case === name)?.["leads/s"] ?? Number.NaN;
  for (const leads of [1, 100]) {
    const speedup = rate(serviceCase(leads)) / rate(pythonCase(leads));
    if (Number.isFinite(speedup)) {
      console.log(
        `POST /predict, ${leads} lead(s): the service scores ${speedup.toFixed(1)}× the leads/s of the Python stack`,
      );
    }
  }
  for (const leads of [1, 100]) {
    const { on, off } = await monitoringOnOff(leads);
    console.log(
      `POST /predict, ${leads} lead(s): drift monitoring on ${on} req/s, off ${off} req/s: ` +
        `on/off = ${((100 * on) / off).toFixed(1)} %` +
        (leads === 1 ? " (budget ≥ 95 %)" : ""),
    );
  }
  const access = await accessOnOff(1);
  console.log(
    `POST /predict, 1 lead: API keys + rate limit on ${access.on} req/s, off ${access.off} req/s: ` +
      `on/off = ${((100 * access.on) / access.off).toFixed(1)} % (target ≥ 95 %)`,
  );
  console.log(`service resident memory after the run: ${residentMb(service.pid!).toFixed(0)} MB`);
  const explainRate = (method: string) =>
    rows.find((row) => row.case.startsWith("service POST /explain") && row.case.includes(method))?.[
      "req/s"
    ] ?? Number.NaN;
  console.log(
    `/explain over HTTP, 1 lead: TreeSHAP serves ${(explainRate("TreeSHAP") / explainRate("sampled")).toFixed(1)}× ` +
      "the leads per second of sampled Shapley (path_count 10)\n",
  );
  // In this (load generator) process, after the HTTP cases: latency per lead without HTTP.
  const model = await builtInModel();
  printExplainBench(await benchExplain(model));
  const perInstance = driftMicroseconds(model);
  console.log(`drift monitoring, in-process: ${perInstance.toFixed(2)} µs per scored instance`);
  await model.release();
} finally {
  const children = [service, unmonitored, guarded, bare];
  for (const child of children) child.kill("SIGTERM");
  await Promise.all(children.map((child) => once(child, "exit")));
}

// ---- issue 15: start-up to ready and RSS after a batch-100 run (bench/startup.ts) ----------
await (await import("./startup.js")).benchStartup();

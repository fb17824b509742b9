/**
 * Start-up and memory of the production command line (issue 15): the time from process start to
 * the first 200 on `/health/ready` with the built-in model (the golden gate included), median of
 * STARTUP_RUNS (default 5), and the resident memory after a batch-100 load run.
 *
 *   npm run build && node --import tsx bench/startup.ts              # node dist/src/server.js
 *   STARTUP_IMAGE=localhost/lead-scoring:dev node --import tsx bench/startup.ts   # and the image
 *
 * `npm run bench` calls benchStartup() at its end. The process runs as the image runs it (the
 * Dockerfile's ENTRYPOINT flags, NODE_ENV=production) and is pinned to CPU 0 like the other
 * servers of the bench; the load generator runs here. With STARTUP_IMAGE the same is measured
 * for `podman run` of that image (container set-up included), if podman is on PATH.
 * Timings are reported, never asserted.
 */
import autocannon from "autocannon";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { builtInGolden } from "../test/support/app.js";
import { PACKAGE_ROOT } from "../src/package-root.js";

const RUNS = Number(process.env.STARTUP_RUNS ?? 5);
const LOAD_SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
/** A port free now (other benches and checks may run on this machine at the same time). */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  server.close();
  return port;
}
const PORT = await freePort();
/** The Dockerfile's ENTRYPOINT, run from the built dist/ (`npm run build`). */
const NODE_ARGS = ["--max-semi-space-size=4", path.join(PACKAGE_ROOT, "dist", "src", "server.js")];
const SERVICE_ENV = {
  NODE_ENV: "production",
  PORT: String(PORT),
  HOST: "127.0.0.1",
  METRICS_PORT: "0",
  LOG_LEVEL: "info",
  MAX_BATCH_SIZE: "1000",
  DRAIN_SECONDS: "0",
};
const READY_URL = `http://127.0.0.1:${PORT}/health/ready`;

/** A started service: `pid` is the host pid of its node process. */
interface Running {
  readonly exited: () => boolean;
  readonly pid: () => number;
  readonly stop: () => Promise<void>;
}

/** A way to start the service. */
interface Launcher {
  readonly name: string;
  start(): Running;
}

/** CPUs to pin the service to (taskset -c / --cpuset-cpus), as the bench does; "" = unpinned. */
const CPUS = process.env.STARTUP_CPUS ?? "0";

function running(child: ChildProcess, pid: () => number, stop: () => Promise<void>): Running {
  return { exited: () => child.exitCode !== null, pid, stop };
}

const nodeProcess: Launcher = {
  name: "node dist/src/server.js",
  start: () => {
    const pin = CPUS === "" ? [] : ["taskset", "-c", CPUS];
    const [command, ...args] = [...pin, process.execPath, ...NODE_ARGS];
    const child = spawn(command!, args, {
      cwd: PACKAGE_ROOT,
      env: { ...process.env, ...SERVICE_ENV },
      stdio: "ignore",
    });
    return running(
      child,
      () => child.pid!,
      async () => {
        if (child.exitCode !== null) return;
        child.kill("SIGTERM");
        await once(child, "exit");
      },
    );
  },
};

const podman = (...args: string[]) => spawnSync("podman", args, { encoding: "utf8" }).stdout.trim();

/** `podman run -d` as check-image.sh runs it (see ../shared/tools/container/README.md). */
function imageProcess(image: string): Launcher {
  return {
    name: `podman run ${image}`,
    start: () => {
      const name = `lead-scoring-startup-${process.pid}-${Date.now()}`;
      const cpus = CPUS === "" ? [] : ["--cpuset-cpus", CPUS];
      const env = Object.entries(SERVICE_ENV).flatMap(([key, value]) => ["-e", `${key}=${value}`]);
      // `podman run -d` returns once the container is started; `podman wait` then ends with it.
      const run = spawnSync("podman", [
        ...["run", "-d", "--rm", "--name", name, "--runtime", "runc", "--network", "host"],
        ...["--read-only", "--tmpfs", "/tmp", ...cpus],
        ...["--ulimit", "nofile=20000:20000", "--ulimit", "nproc=32768:32768", ...env, image],
      ]);
      if (run.status !== 0) throw new Error(`podman run ${image}: ${String(run.stderr)}`);
      const wait = spawn("podman", ["wait", name], { stdio: "ignore" });
      return running(
        wait,
        () => Number(podman("inspect", "--format", "{{.State.Pid}}", name)),
        async () => {
          podman("stop", "-t", "10", name);
          if (wait.exitCode === null) await once(wait, "exit");
        },
      );
    },
  };
}

/**
 * Milliseconds from spawn to the first 200 on /health/ready, polling every 5 ms, and the CPU
 * time the service used until then (less sensitive than wall time to a busy machine).
 */
async function timeToReady(
  launcher: Launcher,
): Promise<{ ms: number; cpuMs: number; service: Running }> {
  const started = performance.now();
  const service = launcher.start();
  while (performance.now() - started < 60_000) {
    if (service.exited()) throw new Error(`${launcher.name} exited before it was ready`);
    const ok = await fetch(READY_URL).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return { ms: performance.now() - started, cpuMs: cpuMs(service.pid()), service };
    await sleep(5);
  }
  await service.stop();
  throw new Error(`${launcher.name}: ${READY_URL} not ready within 60 s`);
}

/** User + system CPU time of a process, from /proc/<pid>/stat (fields 14 and 15, in ticks). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticksPerSecond = 100; // USER_HZ, 100 on every Linux architecture Node.js supports
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function residentMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN) / 1024;
}

/** Resident memory of the service after LOAD_SECONDS of POST /predict with 100 leads. */
async function residentAfterBatch100(launcher: Launcher): Promise<number> {
  const golden = builtInGolden();
  const body = JSON.stringify({
    instances: Array.from({ length: 100 }, (_, i) => golden.rows[i % golden.rows.length]!.instance),
  });
  const { service } = await timeToReady(launcher);
  try {
    const result = await autocannon({
      url: `http://127.0.0.1:${PORT}/predict`,
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
      connections: CONNECTIONS,
      duration: LOAD_SECONDS,
    });
    if (result.non2xx > 0 || result.errors > 0) {
      throw new Error(`batch-100 run: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
    }
    return residentMb(service.pid());
  } finally {
    await service.stop();
  }
}

export interface StartupResult {
  readonly launcher: string;
  readonly runsMs: number[];
  readonly medianMs: number;
  readonly medianCpuMs: number;
  readonly residentMbAfterBatch100: number;
}

async function measureLauncher(launcher: Launcher): Promise<StartupResult> {
  const runsMs: number[] = [];
  const runsCpuMs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const { ms, cpuMs, service } = await timeToReady(launcher);
    runsMs.push(ms);
    runsCpuMs.push(cpuMs);
    await service.stop();
  }
  return {
    launcher: launcher.name,
    runsMs,
    medianMs: median(runsMs),
    medianCpuMs: median(runsCpuMs),
    residentMbAfterBatch100: await residentAfterBatch100(launcher),
  };
}

const hasPodman = () => spawnSync("podman", ["--version"], { stdio: "ignore" }).status === 0;

/** Measures the node process, and the image when STARTUP_IMAGE names one; prints and returns. */
export async function benchStartup(): Promise<StartupResult[]> {
  const launchers = [nodeProcess];
  const image = process.env.STARTUP_IMAGE;
  if (image !== undefined && image !== "") {
    if (hasPodman()) launchers.push(imageProcess(image));
    else console.log(`start-up: STARTUP_IMAGE=${image} skipped, no podman on PATH`);
  }
  const results: StartupResult[] = [];
  for (const launcher of launchers) results.push(await measureLauncher(launcher));
  console.log(
    `start-up to the first 200 on /health/ready (built-in model, golden gate included), ` +
      `${RUNS} runs; resident memory after ${LOAD_SECONDS} s of POST /predict with 100 leads:`,
  );
  console.table(
    results.map((r) => ({
      command: r.launcher,
      "median ms": Math.round(r.medianMs),
      "runs ms": r.runsMs.map((ms) => Math.round(ms)).join(" "),
      "median CPU ms": Math.round(r.medianCpuMs),
      "RSS MB": Math.round(r.residentMbAfterBatch100),
    })),
  );
  return results;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await benchStartup();

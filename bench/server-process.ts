/**
 * The bench's server processes: each pinned to CPU 0 (`taskset`), so the load generator (pinned
 * to CPU 1 by `npm run bench`) never competes with it, and their resident memory.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { openSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PACKAGE_ROOT } from "../src/package-root.js";

export interface PinnedOptions {
  readonly env?: Record<string, string>;
  readonly cwd?: string;
  /** How long start-up may take; Python peers import a lot on a busy machine. */
  readonly timeoutMs?: number;
}

/**
 * The production command line (Dockerfile ENTRYPOINT, npm run start:prod) pinned, on `port`:
 * the bench's own service, with `env` on top of its defaults.
 */
export const startService = (name: string, port: number, env: Record<string, string> = {}) =>
  startPinned(
    name,
    [
      process.execPath,
      "--max-semi-space-size=4",
      path.join(PACKAGE_ROOT, "dist", "src", "server.js"),
    ],
    `http://127.0.0.1:${port}/health/ready`,
    {
      env: {
        PORT: String(port),
        METRICS_PORT: "0",
        HOST: "127.0.0.1",
        LOG_LEVEL: "info",
        MAX_BATCH_SIZE: "1000",
        ...env,
      },
    },
  );

/**
 * Starts `args` pinned to CPU 0 and waits until `readyUrl` answers 200. Its stdout and stderr
 * (request logs) go to one file per server, as a container runtime would take them, so writing
 * them costs the load generator's CPU nothing; the file's tail is shown if start-up fails.
 */
export async function startPinned(
  name: string,
  args: readonly string[],
  readyUrl: string,
  options: PinnedOptions = {},
): Promise<ChildProcess> {
  // A server left over from an interrupted run would answer in this one's place.
  if (await answers(readyUrl))
    throw new Error(`${name}: ${readyUrl} already answers; stop that server`);
  const logPath = path.join(tmpdir(), `lead-scoring-bench-${name}.log`);
  const log = openSync(logPath, "w");
  const child = spawn("taskset", ["-c", "0", ...args], {
    cwd: options.cwd ?? PACKAGE_ROOT,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", log, log],
  });
  const failed = (why: string) =>
    new Error(`${name} ${why}; its log (${logPath}) ends with:\n${tail(logPath)}`);
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw failed(`exited with ${child.exitCode}`);
    if (await answers(readyUrl)) return child;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stop(child);
  throw failed(`was not ready at ${readyUrl} in time`);
}

const answers = (url: string): Promise<boolean> =>
  fetch(url).then(
    (r) => r.ok,
    () => false,
  );

function tail(file: string): string {
  return readFileSync(file, "utf8").split("\n").slice(-15).join("\n");
}

export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

function readIfPresent(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined; // the process (or thread) is gone
  }
}

/** The process's direct children (workers a server may fork), from procfs. */
function children(pid: number): number[] {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  return tasks.flatMap((task) =>
    (readIfPresent(`/proc/${pid}/task/${task}/children`) ?? "")
      .split(" ")
      .filter((id) => id.trim() !== "")
      .map(Number),
  );
}

function descendantsAndSelf(pid: number): number[] {
  return [pid, ...children(pid).flatMap(descendantsAndSelf)];
}

/**
 * VmRSS in MB of `pid` and every process below it, so a server that forks inference workers
 * (MLServer's parallel workers, uvicorn with --workers > 1) is charged for them too.
 */
export function residentMb(pid: number): number {
  let kb = 0;
  for (const id of descendantsAndSelf(pid)) {
    const status = readIfPresent(`/proc/${id}/status`);
    if (status === undefined && id !== pid) continue; // a child that exited meanwhile
    kb += Number(/VmRSS:\s+(\d+)/.exec(status ?? "")?.[1] ?? Number.NaN);
  }
  return kb / 1024;
}

import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import path from "node:path";
import { PACKAGE_ROOT } from "../../src/package-root.js";

export interface ServerProcess {
  readonly child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  readonly output: () => string;
  /** What it wrote to stderr alone. */
  readonly stderr: () => string;
}

/** The real entry point in a child process: signals, exit codes and stderr are what we test. */
export function startServer(env: Record<string, string>): ServerProcess {
  let output = "";
  let stderr = "";
  const child = spawn(
    process.execPath,
    ["--import", "tsx", path.join(PACKAGE_ROOT, "src", "server.ts")],
    {
      cwd: PACKAGE_ROOT,
      env: { PATH: process.env.PATH ?? "", HOST: "127.0.0.1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
    stderr += chunk.toString();
  });
  return { child, output: () => output, stderr: () => stderr };
}

/** A port nothing listens on at the moment (loopback). */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

/** Polls `check` every 50 ms until it holds; throws after `timeoutMs`. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The exit code, once the process has exited. */
export const exitOf = (child: ChildProcess): Promise<number | null> =>
  child.exitCode !== null
    ? Promise.resolve(child.exitCode)
    : once(child, "exit").then(([code]) => code as number | null);

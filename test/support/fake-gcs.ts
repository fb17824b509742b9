import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { accessSync, constants } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { createServer } from "node:net";
import { homedir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Storage } from "@google-cloud/storage";
import { createStorageClient } from "../../src/storage/gcs-store.js";

/**
 * fake-gcs-server (github.com/fsouza/fake-gcs-server, a GCS JSON API emulator) on 127.0.0.1, for
 * tests of the gs:// artifact store. It is a Go binary outside npm, so a developer without it gets
 * a visible skip; in CI (CI=true) a missing binary is an error so the tests cannot pass vacuously.
 */
export interface FakeGcs {
  /** The apiEndpoint to give a client, e.g. "http://127.0.0.1:41234". */
  readonly endpoint: string;
  /** A client pointed at the emulator (no retries, no credentials). */
  readonly storage: Storage;
  createBucket(name: string): Promise<void>;
  /** Uploads every file under `localDir` as `<prefix>/<relative path>`; returns the object names. */
  uploadDirectory(bucket: string, prefix: string, localDir: string): Promise<string[]>;
  /** Kills the emulator and waits for it to exit. Idempotent. */
  stop(): Promise<void>;
}

export type FakeGcsStart =
  { gcs: FakeGcs; skipReason?: never } | { skipReason: string; gcs?: never };

/**
 * The running emulator, or undefined after marking the test skipped (visible in the report);
 * `started` is what the suite's before hook got from startFakeGcs().
 */
export function emulatorOrSkip(
  started: FakeGcsStart | undefined,
  t: { skip(message?: string): void },
): FakeGcs | undefined {
  if (started === undefined) throw new Error("the before hook did not run");
  if (started.gcs === undefined) {
    t.skip(started.skipReason);
    return undefined;
  }
  return started.gcs;
}

export const FAKE_GCS_INSTALL = "go install github.com/fsouza/fake-gcs-server@v1.56.1";
const BINARY = "fake-gcs-server";
const READY_TIMEOUT_MS = 10_000;

/** Starts the emulator, or says why the caller should skip (throws instead when CI=true). */
export async function startFakeGcs(): Promise<FakeGcsStart> {
  const binary = findFakeGcsBinary();
  if (binary === undefined) {
    const reason = `${BINARY} not found in PATH or the Go bin directories (install: ${FAKE_GCS_INSTALL})`;
    if (process.env.CI === "true") {
      throw new Error(`${reason}; it is required when CI=true`);
    }
    return { skipReason: reason };
  }
  // The free port is probed and then released, so another process may grab it first: retry.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return { gcs: await launch(binary, await freePort()) };
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

/** The fake-gcs-server executable from PATH, $GOBIN, $(go env GOPATH)/bin or ~/go/bin. */
export function findFakeGcsBinary(): string | undefined {
  const inPath = (process.env.PATH ?? "").split(path.delimiter);
  const found = findIn(inPath);
  if (found !== undefined) {
    return found;
  }
  const goPaths = [process.env.GOPATH, goEnvGopath(), path.join(homedir(), "go")]
    .flatMap((value) => (value ?? "").split(path.delimiter))
    .filter((value) => value !== "");
  return findIn([process.env.GOBIN ?? "", ...goPaths.map((dir) => path.join(dir, "bin"))]);
}

/** A loopback TCP port nothing listens on at the moment of the call. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  await once(server, "close");
  if (address === null || typeof address === "string") {
    throw new Error("cannot determine a free port");
  }
  return address.port;
}

async function launch(binary: string, port: number): Promise<FakeGcs> {
  const host = `127.0.0.1:${port}`;
  const child = spawn(
    binary,
    ["-backend", "memory", "-scheme", "http", "-host", "127.0.0.1", "-port", String(port)]
      // -public-host: the host it accepts in virtual-host style URLs and returns in media links.
      .concat(["-public-host", host, "-log-level", "warn"]),
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  // Drain the pipes (a full pipe would block the emulator) and keep the tail for error messages.
  let output = "";
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString("utf8")).slice(-4000);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const endpoint = `http://${host}`;
  try {
    await waitUntilReady(child, endpoint, () => output);
  } catch (error) {
    await stopProcess(child);
    throw error;
  }
  const storage = createStorageClient({ apiEndpoint: endpoint, projectId: "test" });
  return {
    endpoint,
    storage,
    async createBucket(name) {
      await storage.bucket(name).create();
    },
    async uploadDirectory(bucket, prefix, localDir) {
      const names: string[] = [];
      for (const relative of await listFiles(localDir)) {
        const name = [prefix, relative].filter((part) => part !== "").join("/");
        const content = await readFile(path.join(localDir, ...relative.split("/")));
        await storage.bucket(bucket).file(name).save(content, { resumable: false });
        names.push(name);
      }
      return names;
    },
    stop: () => stopProcess(child),
  };
}

async function waitUntilReady(
  child: ChildProcess,
  endpoint: string,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${BINARY} exited before answering: ${output()}`);
    }
    try {
      const response = await fetch(`${endpoint}/storage/v1/b`, {
        signal: AbortSignal.timeout(1000),
      });
      await response.body?.cancel();
      if (response.ok) {
        return;
      }
    } catch {
      // Not listening yet.
    }
    await sleep(50);
  }
  throw new Error(
    `${BINARY} did not answer on ${endpoint} within ${READY_TIMEOUT_MS} ms: ${output()}`,
  );
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Files under `root`, as "/"-separated relative paths, sorted. */
async function listFiles(root: string, relative = ""): Promise<string[]> {
  const entries = await readdir(path.join(root, relative), { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    const child = relative === "" ? entry.name : `${relative}/${entry.name}`;
    if (entry.isDirectory()) {
      files.push(...(await listFiles(root, child)));
    } else if (entry.isFile()) {
      files.push(child);
    }
  }
  return files.sort();
}

function findIn(directories: string[]): string | undefined {
  for (const directory of directories) {
    if (directory === "") {
      continue;
    }
    const candidate = path.join(directory, BINARY);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

function goEnvGopath(): string | undefined {
  // Absent Go toolchain: spawnSync reports ENOENT in `error` instead of throwing.
  const result = spawnSync("go", ["env", "GOPATH"], { encoding: "utf8", timeout: 10_000 });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

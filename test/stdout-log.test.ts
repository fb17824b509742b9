import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { test } from "node:test";
import { builtInGolden } from "./support/app.js";
import { exitOf, freePort, startServer, waitFor } from "./support/server-process.js";

const WRITER = new URL("./support/stdout-writers.ts", import.meta.url).pathname;

test("service log lines and prediction-log lines share fd 1 without breaking each other", async () => {
  const lines = 60;
  const child = spawn(process.execPath, ["--import", "tsx", WRITER, String(lines)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  // Read nothing for a while: the pipe fills, writes to it complete only in part, and any second
  // writer to fd 1 would get its bytes in between the parts of a long line.
  child.stdout.pause();
  await sleep(300);
  const chunks: Buffer[] = [];
  child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
  child.stdout.resume();
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  assert.equal(code, 0);

  const text = Buffer.concat(chunks).toString("utf8");
  const entries = text
    .split("\n")
    .filter((line) => line !== "")
    .map((line, index) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        assert.fail(`line ${index + 1} is not one whole JSON entry: ${line.slice(0, 80)}…`);
      }
    });
  const requestLines = entries.filter((entry) => entry.message === "request completed");
  const outcomeLines = entries.filter((entry) => entry.kind === "outcome");
  assert.equal(requestLines.length, lines);
  assert.equal(outcomeLines.length, 2 * lines);
  assert.equal(entries.length, 3 * lines);
});

test("a stdout nobody reads for a while stalls no request: log lines wait in memory", async () => {
  const port = await freePort();
  const server = startServer({
    PORT: String(port),
    METRICS_PORT: "0",
    LOG_LEVEL: "info",
    PREDICTION_LOG: "stdout",
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitFor(async () => {
      try {
        return (await fetch(`${base}/health/ready`)).status === 200;
      } catch {
        return false;
      }
    }, "readiness");
    // From here on nobody reads stdout: the pipe (64 KiB) fills with access-log and
    // prediction-log lines. A synchronous write would then block the event loop, and the
    // requests below would never be answered.
    server.child.stdout?.pause();
    server.child.stdout?.removeAllListeners("data");
    const instances = builtInGolden().rows.map((row) => row.instance);
    for (let i = 0; i < 20; i++) {
      const response = await fetch(`${base}/predict`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ instances }),
        signal: AbortSignal.timeout(10_000),
      });
      assert.equal(response.status, 200);
    }
  } finally {
    server.child.kill("SIGKILL");
    await exitOf(server.child);
  }
});

import assert from "node:assert/strict";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { builtInVersionDir } from "./support/app.js";
import { RawConnection } from "./support/raw-connection.js";
import { exitOf, freePort, startServer, waitFor } from "./support/server-process.js";
import { addUnusedInitializer } from "./support/tamper.js";

/** Preloaded into the service (no spaces or double quotes: NODE_OPTIONS would split them). */
const EMIT_WARNING_ON_SIGWINCH =
  "process.on('SIGWINCH',()=>process.emitWarning('from-the-test','DeprecationWarning','DEP_TEST'))";

/** The lines of `text` that are not one JSON value each. */
function nonJsonLines(text: string): string[] {
  return text
    .split("\n")
    .filter((line) => line !== "")
    .filter((line) => {
      try {
        JSON.parse(line);
        return false;
      } catch {
        return true;
      }
    });
}

describe("server process", () => {
  it("serves, then on SIGTERM fails readiness, keeps answering while draining, and exits 0", async () => {
    const [port, metricsPort] = [await freePort(), await freePort()];
    const { child, output } = startServer({
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      DRAIN_SECONDS: "1",
    });
    const base = `http://127.0.0.1:${port}`;
    try {
      await waitFor(() => output().includes("model ready"), "model ready");
      assert.equal((await fetch(`${base}/health`)).status, 200);
      const scrape = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      assert.match(await scrape.text(), /process_cpu_seconds_total/);
      const line =
        output()
          .split("\n")
          .find((l) => l.includes("model ready")) ?? "";
      const ready = JSON.parse(line) as { severity: string; scorer: string };
      assert.equal(ready.severity, "INFO");
      assert.equal(ready.scorer, "trees", "the log says which runtime serves");

      child.kill("SIGTERM");
      await waitFor(() => output().includes("draining"), "draining");
      assert.equal((await fetch(`${base}/health/ready`)).status, 503);
      const predict = await fetch(`${base}/predict`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ instances: [{}] }),
      });
      assert.equal(predict.status, 200, "still serving during the drain period");
      assert.equal(await exitOf(child), 0);

      // One Cloud Logging entry per request, with httpRequest, and never the body.
      const entries = output()
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const predictLog = entries.filter(
        (e) => (e.httpRequest as { requestUrl?: string } | undefined)?.requestUrl === "/predict",
      );
      assert.equal(predictLog.length, 1, "exactly one entry for the /predict request");
      assert.deepEqual(
        [predictLog[0]!.message, (predictLog[0]!.httpRequest as { status: number }).status],
        ["request completed", 200],
      );
      assert.match(
        String((predictLog[0]!.httpRequest as { latency: string }).latency),
        /^\d+\.\d{6}s$/,
      );
      assert.doesNotMatch(output(), /incoming request/);
      assert.doesNotMatch(output(), /instances/, "request bodies are not logged");
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("on SIGINT (Ctrl-C) stops now: no drain, an idle keep-alive connection closed, exit 0", async () => {
    const port = await freePort();
    const { child, output } = startServer({
      PORT: String(port),
      METRICS_PORT: "0",
      DRAIN_SECONDS: "30", // what SIGTERM would wait
    });
    try {
      await waitFor(() => output().includes("model ready"), "model ready");
      // A browser's connection: one request answered, then idle, kept alive.
      const idle = await RawConnection.open(port);
      assert.equal(await idle.get("/health/live"), "HTTP/1.1 200 OK");
      child.kill("SIGINT");
      await idle.closed;
      assert.ok(idle.endedByServer, "the service closed the idle connection");
      assert.equal(await exitOf(child), 0);
      assert.match(output(), /"signal":"SIGINT".*stopping now, no drain/);
      assert.doesNotMatch(output(), /draining/);
      assert.match(output(), /shut down cleanly/);
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("writes only JSON lines, even while ONNX Runtime loads a model it warns about, and for Node's own warnings", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "lead-scoring-ort-log-"));
    const versionDir = path.join(dir, "1.0.0");
    await cp(builtInVersionDir(), versionDir, { recursive: true });
    await addUnusedInitializer(versionDir); // ONNX Runtime: "Removing initializer 'unused'…"
    const { child, output, stderr } = startServer({
      PORT: String(await freePort()),
      METRICS_PORT: "0",
      MODEL_URI: versionDir,
      DRAIN_SECONDS: "0",
      // A Node warning on demand, as a dependency's deprecation would emit one at run time.
      NODE_OPTIONS: `--import=data:text/javascript,${EMIT_WARNING_ON_SIGWINCH}`,
    });
    try {
      await waitFor(() => output().includes("model ready"), "model ready");
      child.kill("SIGWINCH");
      await waitFor(() => stderr().includes("from-the-test"), "the warning");
      const warning = stderr()
        .split("\n")
        .find((line) => line.includes("from-the-test"));
      assert.deepEqual(JSON.parse(warning ?? ""), {
        ...(JSON.parse(warning ?? "") as { time: string }),
        severity: "WARNING",
        code: "DEP_TEST",
        message: "DeprecationWarning: from-the-test",
      });
      child.kill("SIGTERM");
      assert.equal(await exitOf(child), 0);
      assert.deepEqual(nonJsonLines(output()), [], "stdout and stderr");
      assert.doesNotMatch(stderr(), /onnxruntime/);
    } finally {
      child.kill("SIGKILL");
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("exits 2 naming a CORS origin no browser sends", async () => {
    const { child, output } = startServer({ CORS_ORIGINS: "https://app.example/" });
    assert.equal(await exitOf(child), 2);
    assert.match(output(), /CORS_ORIGINS \\"https:\/\/app\.example\/\\" is not an origin/);
  });

  it("exits 2 naming the variable when the configuration is invalid", async () => {
    const { child, output } = startServer({ MAX_BATCH_SIZE: "lots" });
    assert.equal(await exitOf(child), 2);
    assert.match(output(), /MAX_BATCH_SIZE must be integer/);
  });

  it("exits 2 naming PREDICTION_LOG_URI when it is not a valid gs:// URI", async () => {
    const { child, output } = startServer({
      PREDICTION_LOG: "gcs",
      PREDICTION_LOG_URI: "gs://Not_A_Bucket/log",
    });
    assert.equal(await exitOf(child), 2);
    assert.match(output(), /PREDICTION_LOG_URI: invalid Cloud Storage URI/);
  });

  it("exits 1 naming the location when the model cannot be loaded", async () => {
    const port = await freePort();
    const { child, output } = startServer({
      PORT: String(port),
      METRICS_PORT: "0",
      MODEL_URI: "/nonexistent/models",
    });
    assert.equal(await exitOf(child), 1);
    assert.match(output(), /cannot load the model from \/nonexistent\/models/);
    assert.match(output(), /"severity":"CRITICAL"/);
  });
});

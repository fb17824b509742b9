import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { Registry } from "../../src/registry/registry.js";
import { FileStore } from "../../src/storage/file-store.js";
import { builtInVersionDir } from "../support/app.js";
import { freePort, startServer, waitFor } from "../support/server-process.js";
import {
  latestReport,
  qualitySeries,
  readFailures,
  REPORT_PATH,
  summary,
} from "./quality-report-contract.js";

/** The real entry point following an alias in a disk registry, scraped like Prometheus does. */
describe("the service exports the monitoring job's latest.json", () => {
  let root: string;
  let store: FileStore;
  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), "lead-scoring-quality-server-"));
    store = new FileStore(root);
    const registry = new Registry(store, "lead-scoring");
    const { version } = await registry.publish(new FileStore(builtInVersionDir()));
    await registry.promote(version, "production");
  });
  after(() => rm(root, { recursive: true, force: true }));

  const write = async (content: string | object) => {
    const bytes = Buffer.from(typeof content === "string" ? content : JSON.stringify(content));
    await store.replace(REPORT_PATH, bytes, await store.generation(REPORT_PATH));
  };

  it("as gauges that follow the file, without touching readiness", async () => {
    const [port, metricsPort] = [await freePort(), await freePort()];
    const { child, output } = startServer({
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      MODEL_URI: `${root}/lead-scoring@production`,
      QUALITY_REPORT_POLL_SECONDS: "0.1",
    });
    const scrape = async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    // The served version (model_info) is 1.0.0 too: look at the quality series only.
    const quality = async () => qualitySeries(await scrape()).join("\n");
    const ready = async () => (await fetch(`http://127.0.0.1:${port}/health/ready`)).status;
    try {
      await waitFor(() => output().includes("model ready"), "model ready");
      assert.deepEqual(qualitySeries(await scrape()), [], "no file, no series");

      await write(latestReport([summary("1.0.0"), summary("1.0.1")], "2026-12-01T06:00:00Z"));
      await waitFor(async () => /version="1\.0\.1"/.test(await quality()), "the first report");
      assert.match(
        await scrape(),
        /lead_scoring_model_quality\{model="lead-scoring",version="1\.0\.0",metric="roc_auc"\} 0\.81/,
      );

      const healthy = summary("1.0.1", { quality: { roc_auc: 0.7 }, drift: {}, alerts: [] });
      await write(latestReport([healthy], "2026-12-01T07:00:00Z"));
      await waitFor(async () => !/version="1\.0\.0"/.test(await quality()), "the second report");
      const replaced = qualitySeries(await scrape());
      assert.ok(
        replaced.includes(
          'lead_scoring_model_quality{model="lead-scoring",version="1.0.1",metric="roc_auc"} 0.7',
        ),
        replaced.join("\n"),
      );
      assert.ok(
        replaced.includes('lead_scoring_monitoring_alert{model="lead-scoring",version="1.0.1"} 0'),
      );

      await write("not the job's report");
      await waitFor(async () => readFailures(await scrape(), "invalid") === 1, "the invalid file");
      assert.deepEqual(qualitySeries(await scrape()), replaced, "the last good figures stay");
      assert.equal(await ready(), 200);
      // Log lines reach stdout in batches (src/stdout-log.ts): within 100 ms, not at once.
      await waitFor(
        () => output().includes("ignoring an invalid monitoring report"),
        "the invalid report's log line",
      );
    } finally {
      child.kill("SIGKILL");
    }
  });
});

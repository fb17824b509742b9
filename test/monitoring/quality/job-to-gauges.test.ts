import assert from "node:assert/strict";
import { cp, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, it } from "node:test";
import { parseMetadata } from "../../../src/model/metadata.js";
import { Metrics } from "../../../src/monitoring/metrics.js";
import { QualityReportPoller } from "../../../src/monitoring/quality-report/poller.js";
import { runMonitoringJob } from "../../../src/monitoring/quality/job.js";
import { FileStore } from "../../../src/storage/file-store.js";
import { builtInVersionDir } from "../../support/app.js";
import { captureLog } from "../../support/capture-log.js";
import {
  predictionRecord,
  sampleFromBaselines,
  writeLog,
} from "../../support/prediction-log-files.js";
import { qualitySeries } from "../quality-report-contract.js";

const root = await mkdtemp(path.join(tmpdir(), "job-to-gauges-"));
after(() => rm(root, { recursive: true, force: true }));

it("the job's latest.json is what the service's poller accepts: its verdicts become the gauges", async () => {
  const registry = path.join(root, "registry");
  await cp(builtInVersionDir(), path.join(registry, "lead-scoring", "1.0.0"), { recursive: true });
  const metadata = parseMetadata(
    await readFile(path.join(builtInVersionDir(), "metadata.json")),
    "metadata.json",
  );
  const records = sampleFromBaselines(metadata, 500, 11).map((fields, i) =>
    predictionRecord({ lead_id: `G-${i}`, score: 0.5, fields: { ...fields, city: "Atlantis" } }),
  );
  await writeLog(path.join(root, "log"), records);
  const store = new FileStore(registry);
  await runMonitoringJob({
    log: new FileStore(path.join(root, "log")),
    registry: store,
    model: "lead-scoring",
    window: { start: new Date("2026-11-29T00:00:00Z"), end: new Date("2026-12-01T00:00:00Z") },
    settings: {
      drift: { threshold: 0.3, thresholds: new Map() },
      maxAucDrop: 0.05,
      minOutcomes: 100,
    },
  });

  const metrics = new Metrics({ processMetrics: false });
  const { log, lines } = captureLog();
  const poller = new QualityReportPoller({
    store,
    model: "lead-scoring",
    gauges: metrics.qualityReport,
    log,
  });
  await poller.check();
  const series = qualitySeries(await metrics.registry.metrics());
  assert.deepEqual(
    lines.map((line) => `${line.severity} ${line.message}`),
    ["INFO monitoring report read: quality gauges updated"],
    "read and accepted: the file is on contract",
  );
  assert.ok(
    series.includes('lead_scoring_monitoring_alert{model="lead-scoring",version="1.0.0"} 1'),
  );
  const alerting = series
    .filter(
      (line) => line.startsWith("lead_scoring_monitoring_drift_alerting") && line.endsWith(" 1"),
    )
    .map((line) => /field="([^"]+)"/.exec(line)![1]);
  assert.deepEqual(alerting, ["city"], "every city is unseen: the one drifted field");
  assert.ok(
    series.includes(
      'lead_scoring_model_quality{model="lead-scoring",version="1.0.0",metric="mean_score"} 0.5',
    ) === false,
    "no outcome joined: no quality series",
  );
  await poller.stop();
});

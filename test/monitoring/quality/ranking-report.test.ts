import assert from "node:assert/strict";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { parseMetadata } from "../../../src/model/metadata.js";
import { runMonitoringJob } from "../../../src/monitoring/quality/job.js";
import { monitoringMetrics } from "../../../src/monitoring/quality/mlflow.js";
import { PACKAGE_ROOT } from "../../../src/package-root.js";
import { FileStore } from "../../../src/storage/file-store.js";
import { builtInVersionDir } from "../../support/app.js";
import { outcomeRecord, predictionRecord, writeLog } from "../../support/prediction-log-files.js";

/** The job's sales view: realized lift beside the figures training wrote in metadata.json. */

const WINDOW = { start: new Date("2026-11-29T00:00:00Z"), end: new Date("2026-12-01T00:00:00Z") };
const SETTINGS = {
  drift: { threshold: 0.3, thresholds: new Map<string, number>() },
  maxAucDrop: 0.05,
  minOutcomes: 5,
};
const tenLeads = (
  JSON.parse(
    await readFile(path.join(PACKAGE_ROOT, "test", "fixtures", "ranking.json"), "utf8"),
  ) as { cases: { scores: number[]; outcomes: number[]; metrics: Record<string, number> }[] }
).cases[0]!;

// What a pipeline run of today writes (pipeline/ranking.py, pipeline/cross_validate.py).
const ranking = {
  held_out: { lift_at_10pct: 2.4, capture_at_10pct: 0.24, precision_at_10pct: 0.925 },
  gains_curve: { fraction_of_leads: [0, 0.5, 1], capture: [0, 0.8, 1] },
  ties: "leads with equal scores count at their group's conversion rate",
};
const cross_validation = {
  method: "repeated stratified k-fold on the training part",
  folds: 5,
  repeats: 2,
  seed: 42,
  rows: 7389,
  metrics: { lift_at_10pct: { mean: 2.51, sd: 0.04, folds: [2.5, 2.52] } },
};

let root: string;
before(async () => {
  root = await mkdtemp(path.join(tmpdir(), "monitor-ranking-"));
});
after(() => rm(root, { recursive: true, force: true }));

/** A registry whose 1.0.0 has `extra` in its metadata.json, and a log of the ten leads. */
async function jobWith(name: string, extra: Record<string, unknown>) {
  const registry = path.join(root, name, "registry");
  const versionDir = path.join(registry, "lead-scoring", "1.0.0");
  await cp(builtInVersionDir(), versionDir, { recursive: true });
  const metadata = JSON.parse(
    await readFile(path.join(versionDir, "metadata.json"), "utf8"),
  ) as Record<string, unknown>;
  const written = JSON.stringify({ ...metadata, ...extra });
  parseMetadata(Buffer.from(written), "metadata.json"); // the service loads it as well
  await writeFile(path.join(versionDir, "metadata.json"), written);
  const log = path.join(root, name, "log");
  await writeLog(
    log,
    tenLeads.scores.flatMap((score, i) => [
      predictionRecord({ lead_id: `R-${i}`, score }),
      outcomeRecord({ lead_id: `R-${i}`, converted: tenLeads.outcomes[i] === 1 }),
    ]),
  );
  return {
    log: new FileStore(log),
    registry: new FileStore(registry),
    model: "lead-scoring",
    window: WINDOW,
    settings: SETTINGS,
    now: () => new Date("2026-12-01T00:00:05Z"),
  };
}

describe("monitoring job: lift, capture and precision at k % on realized outcomes", () => {
  it("computes them on the joined outcomes, beside training's held-out and fold figures", async () => {
    const run = await runMonitoringJob(
      await jobWith("with-ranking", { ranking, cross_validation }),
    );
    const version = run.report.versions[0]!;
    for (const [metric, expected] of Object.entries(tenLeads.metrics)) {
      const realized = version.ranking.realized[metric as keyof typeof version.ranking.realized];
      assert.ok(Math.abs(realized.value! - expected) <= 1e-12, metric);
    }
    assert.deepEqual(version.ranking.training_held_out, ranking.held_out);
    assert.deepEqual(version.ranking.training_folds, { lift_at_10pct: 2.51 });
    assert.deepEqual(version.ranking.training_gains_curve, ranking.gains_curve);
    assert.equal(version.ranking.gains_curve!.capture.length, 51);
    const mlflow = new Map(monitoringMetrics(run.report));
    assert.equal(mlflow.get("1.0.0.lift_at_10pct"), version.ranking.realized.lift_at_10pct.value);

    const html = await readFile(
      path.join(root, "with-ranking", "registry", run.written.html),
      "utf8",
    );
    assert.match(html, /<svg[^>]*aria-label="Cumulative gains"/);
    // The row of lift at 10 %: realized 2.5, training 2.4 held-out, 2.51 over folds.
    assert.match(html, /<td>lift at 10 %<\/td><td>2\.5000<\/td><td>2\.4000<\/td><td>2\.5100<\/td>/);
  });

  it("says training did not record them for a version without them (older, or --eval-repeats 0)", async () => {
    const run = await runMonitoringJob(
      await jobWith("without-ranking", { ranking: null, cross_validation: null }),
    );
    const version = run.report.versions[0]!;
    assert.equal(version.ranking.training_held_out, null);
    assert.equal(version.ranking.training_folds, null);
    assert.equal(version.ranking.training_gains_curve, null);
    assert.ok(Math.abs(version.ranking.realized.lift_at_20pct.value! - 1.875) <= 1e-12);
    const html = await readFile(
      path.join(root, "without-ranking", "registry", run.written.html),
      "utf8",
    );
    assert.match(
      html,
      /<td>lift at 20 %<\/td><td>1\.8750<\/td><td><span class="na">not recorded<\/span><\/td>/,
    );
  });
});

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Registry } from "../../src/registry/registry.js";
import { GcsStore } from "../../src/storage/gcs-store.js";
import { builtInVersion, builtInVersionDir } from "../support/app.js";
import { emulatorOrSkip, startFakeGcs, type FakeGcsStart } from "../support/fake-gcs.js";
import { goldenLeads, leadsCsv, records, scoreCli } from "../support/batch-files.js";
import { pointAliasUnchecked } from "../support/unchecked-alias.js";

const BUCKET = "crm-exports";
let started: FakeGcsStart | undefined;

before(async () => {
  started = await startFakeGcs();
});
after(() => started?.gcs?.stop());

describe("lead-scoring score on gs://", () => {
  it(
    "reads gs:// input, writes gs:// output, with the model of a gs:// registry alias",
    { timeout: 60_000 },
    async (t) => {
      const gcs = emulatorOrSkip(started, t);
      if (gcs === undefined) return;
      await gcs.createBucket(BUCKET);
      const version = builtInVersion();
      await gcs.uploadDirectory(BUCKET, `registry/lead-scoring/${version}`, builtInVersionDir());
      const store = new GcsStore({ bucket: BUCKET, prefix: "registry", apiEndpoint: gcs.endpoint });
      await pointAliasUnchecked(new Registry(store, "lead-scoring"), "production", version);
      const leads = goldenLeads().slice(0, 50);
      leads[8] = { ...leads[8], total_visits: "many" };
      const bucket = gcs.storage.bucket(BUCKET);
      await bucket.file("exports/leads.csv").save(leadsCsv(leads), { resumable: false });

      const args = [
        "--input",
        `gs://${BUCKET}/exports/leads.csv`,
        "--output",
        `gs://${BUCKET}/scores/run-1.jsonl`,
      ];
      const env = {
        GCS_API_ENDPOINT: gcs.endpoint,
        MODEL_URI: `gs://${BUCKET}/registry/lead-scoring@production`,
      };
      const run = await scoreCli([...args, "--shard", "0/2"], env);
      assert.equal(run.code, 0, run.stderr);
      assert.ok(
        run.stdout.includes(`lead-scoring ${version}: 25 rows read = 24 scored + 1 errors`),
        run.stdout,
      );
      const [scores] = await bucket.file("scores/run-1-00000-of-00002.jsonl").download();
      assert.deepEqual(
        records(scores.toString()).map((row) => row.lead_id),
        leads.filter((_, i) => i % 2 === 0 && i !== 8).map((lead) => lead.lead_id),
      );
      const [errors] = await bucket.file("scores/run-1.errors-00000-of-00002.jsonl").download();
      assert.deepEqual(
        records(errors.toString()).map((row) => [row.row, row.lead_id]),
        [[9, "L-8"]],
      );
      // The same shard again: its output exists, so the run is skipped and nothing is rewritten.
      const again = await scoreCli([...args, "--shard", "0/2"], env);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /shard 0\/2: skipped/);
    },
  );
});

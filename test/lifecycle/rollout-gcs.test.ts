import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Registry } from "../../src/registry/registry.js";
import { Rollouts } from "../../src/registry/rollouts.js";
import { FileStore } from "../../src/storage/file-store.js";
import { GcsStore } from "../../src/storage/gcs-store.js";
import { builtInGolden, builtInVersionDir } from "../support/app.js";
import { emulatorOrSkip, startFakeGcs, type FakeGcsStart } from "../support/fake-gcs.js";
import {
  exitOf,
  freePort,
  startServer,
  waitFor,
  type ServerProcess,
} from "../support/server-process.js";

const BUCKET = "rollouts";
const golden = builtInGolden();

/** Two real service processes following one registry on fake-gcs-server converge on a rollout. */
describe("rollout state shared by two service processes (fake-gcs-server)", () => {
  let started: FakeGcsStart | undefined;
  before(async () => {
    started = await startFakeGcs();
  });
  after(() => started?.gcs?.stop());

  it(
    "both replicas follow start, 100 % canary and abort within the poll interval",
    { timeout: 120_000 },
    async (t) => {
      const gcs = emulatorOrSkip(started, t);
      if (gcs === undefined) return;
      await gcs.createBucket(BUCKET);
      const store = new GcsStore({ bucket: BUCKET, prefix: "models", apiEndpoint: gcs.endpoint });
      const registry = new Registry(store, "lead-scoring");
      await registry.publish(new FileStore(builtInVersionDir()));
      await registry.publish(new FileStore(builtInVersionDir()));
      await registry.promote("1.0.0", "production");

      const replicas: { server: ServerProcess; base: string }[] = [];
      try {
        for (let i = 0; i < 2; i++) {
          const port = await freePort();
          const server = startServer({
            PORT: String(port),
            METRICS_PORT: "0",
            DRAIN_SECONDS: "0",
            GCS_API_ENDPOINT: gcs.endpoint,
            MODEL_URI: `gs://${BUCKET}/models/lead-scoring@production`,
            MODEL_POLL_SECONDS: "0.2",
          });
          replicas.push({ server, base: `http://127.0.0.1:${port}` });
        }
        for (const { server } of replicas) {
          await waitFor(() => server.output().includes('"model ready"'), "model ready");
        }
        const versionAt = async (base: string) => {
          const response = await fetch(`${base}/predict`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ instances: [{ ...golden.rows[0]!.instance, lead_id: "L1" }] }),
          });
          assert.equal(response.status, 200);
          return response.headers.get("x-model-version");
        };
        const converge = async (version: string, what: string) => {
          for (const { base } of replicas) {
            await waitFor(async () => (await versionAt(base)) === version, `${base}: ${what}`);
          }
        };

        const rollouts = new Rollouts(registry);
        await rollouts.start({ candidate: "1.0.1", mode: "canary", share: 100 });
        await converge("1.0.1", "the candidate answers");
        await rollouts.abort("ops", "seen enough");
        await converge("1.0.0", "production answers again");
        // Log lines reach stdout in batches (src/stdout-log.ts): within 100 ms, not at once.
        for (const { server } of replicas) {
          for (const line of [
            "rollout: loading the candidate",
            "rollout closed: candidate dropped",
          ]) {
            await waitFor(() => server.output().includes(line), line);
          }
        }
      } finally {
        for (const { server } of replicas) {
          server.child.kill("SIGTERM");
          await exitOf(server.child);
        }
      }
    },
  );
});

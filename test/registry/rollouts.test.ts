import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe } from "node:test";
import { FileStore } from "../../src/storage/file-store.js";
import { GcsStore } from "../../src/storage/gcs-store.js";
import { startFakeGcs, type FakeGcsStart } from "../support/fake-gcs.js";
import { rolloutContract } from "./rollout-contract.js";

describe("rollouts on a local directory", () => {
  const roots: string[] = [];
  after(() => Promise.all(roots.map((root) => rm(root, { recursive: true, force: true }))));
  rolloutContract(async () => {
    const root = await mkdtemp(path.join(tmpdir(), "lead-scoring-rollout-"));
    roots.push(root);
    return new FileStore(root);
  });
});

describe("rollouts on gs:// (fake-gcs-server)", () => {
  let started: FakeGcsStart;
  let bucket = 0;
  before(async () => {
    started = await startFakeGcs();
  });
  after(() => started.gcs?.stop());
  rolloutContract(async () => {
    const gcs = started.gcs;
    if (gcs === undefined) {
      console.log(`# skipped: ${started.skipReason}`);
      return undefined;
    }
    const name = `rollout-${++bucket}`;
    await gcs.createBucket(name);
    return new GcsStore({ bucket: name, prefix: "models", apiEndpoint: gcs.endpoint });
  });
});

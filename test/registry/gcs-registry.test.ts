import { after, before, describe } from "node:test";
import { GcsStore } from "../../src/storage/gcs-store.js";
import { startFakeGcs, type FakeGcsStart } from "../support/fake-gcs.js";
import { registryContract } from "./registry-contract.js";

/**
 * The same contract on Cloud Storage semantics, through fake-gcs-server. The emulator honours
 * `ifGenerationMatch` on uploads (create-if-absent and compare-and-swap), which is all the
 * registry relies on; it ignores it on deletes, which the registry never does.
 */
describe("registry on gs:// (fake-gcs-server)", () => {
  let started: FakeGcsStart;
  let bucket = 0;
  before(async () => {
    started = await startFakeGcs();
  });
  after(() => started.gcs?.stop());

  registryContract(async () => {
    const gcs = started.gcs;
    if (gcs === undefined) {
      console.log(`# skipped: ${started.skipReason}`);
      return undefined;
    }
    const name = `registry-${++bucket}`;
    await gcs.createBucket(name);
    return new GcsStore({ bucket: name, prefix: "models", apiEndpoint: gcs.endpoint });
  });
});

import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { ArtifactError } from "../../src/errors.js";
import { FileStore } from "../../src/storage/file-store.js";

describe("FileStore", () => {
  let root = "";

  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), "file-store-"));
    // Created out of order so that sorting is observable.
    for (const version of ["1.1.0", "0.9.0", "1.0.0"]) {
      await mkdir(path.join(root, "lead-scoring", version), { recursive: true });
    }
    await writeFile(path.join(root, "lead-scoring", "1.0.0", "metadata.json"), '{"a":1}');
    await writeFile(path.join(root, "lead-scoring", "README.md"), "not a directory");
  });

  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("reads a file by its /-separated relative path", async () => {
    const store = new FileStore(root);
    const content = await store.readFile("lead-scoring/1.0.0/metadata.json");
    assert.equal(content.toString("utf8"), '{"a":1}');
  });

  it("reports a missing file as ArtifactError naming the path", async () => {
    const store = new FileStore(root);
    const missing = path.join(root, "lead-scoring", "2.0.0", "metadata.json");
    await assert.rejects(store.readFile("lead-scoring/2.0.0/metadata.json"), (error) => {
      assert.ok(error instanceof ArtifactError, String(error));
      assert.ok(error.message.includes(missing), error.message);
      return true;
    });
  });

  it("lists sub-directories and files apart, sorted; an absent directory as empty", async () => {
    const store = new FileStore(root);
    assert.deepEqual(await store.listDirectories("lead-scoring"), ["0.9.0", "1.0.0", "1.1.0"]);
    assert.deepEqual(await store.listDirectories(""), ["lead-scoring"]);
    assert.deepEqual(await store.listFiles("lead-scoring/1.0.0"), ["metadata.json"]);
    assert.deepEqual(await store.listFiles("lead-scoring"), ["README.md"]);
    // As on Cloud Storage, where a prefix with nothing under it does not exist either.
    assert.deepEqual(await store.listDirectories("no-such-model"), []);
    assert.deepEqual(await store.listFiles("no-such-model"), []);
  });

  it("tells which files exist", async () => {
    const store = new FileStore(root);
    assert.equal(await store.exists("lead-scoring/1.0.0/metadata.json"), true);
    assert.equal(await store.exists("lead-scoring/1.0.0/model.onnx"), false);
    assert.equal(await store.exists("lead-scoring/1.0.0"), false, "a directory is not a file");
  });
});

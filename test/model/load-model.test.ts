import assert from "node:assert/strict";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { ArtifactError } from "../../src/errors.js";
import { loadPinnedModel } from "../../src/lifecycle/pinned-source.js";
import { builtInVersionDir } from "../support/app.js";
import { flipByte, shiftGoldenPrediction } from "../support/tamper.js";

/** Copies of the default model, damaged in one way each. */
describe("loading a model", () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), "lead-scoring-load-"));
  });
  after(() => rm(root, { recursive: true, force: true }));

  const copy = async (name: string) => {
    const dir = path.join(root, name);
    await cp(builtInVersionDir(), dir, { recursive: true });
    return dir;
  };
  const rejects = (uri: string, pattern: RegExp) =>
    assert.rejects(loadPinnedModel(uri, { threads: 1 }), (error: unknown) => {
      assert.ok(error instanceof ArtifactError, String(error));
      assert.match(error.message, pattern);
      return true;
    });

  it("loads the default model from a version directory", async () => {
    const model = await loadPinnedModel(await copy("ok"), { threads: 1 });
    assert.equal(model.name, "lead-scoring");
    await model.release();
  });

  it("rejects a corrupted file, naming it", async () => {
    const dir = await copy("corrupt");
    await flipByte(path.join(dir, "model.onnx"), -10);
    await rejects(dir, /model\.onnx is corrupt: sha256/);
  });

  it("rejects a missing file, naming it", async () => {
    const dir = await copy("missing");
    await rm(path.join(dir, "preprocessor.json"));
    await rejects(dir, /preprocessor\.json/);
  });

  it("refuses a model whose predictions differ from its golden file", async () => {
    const dir = await copy("golden-mismatch");
    await shiftGoldenPrediction(dir, 3, 0.01);
    await rejects(dir, /golden check failed .* row 3/);
  });

  it("picks the highest complete semver version of a model directory", async () => {
    const model = path.join(root, "registry", "lead-scoring");
    await cp(builtInVersionDir(), path.join(model, "1.2.0"), { recursive: true });
    await cp(builtInVersionDir(), path.join(model, "1.10.0"), { recursive: true });
    // 2.0.0 is still being written: no metadata.json yet, so it must be invisible.
    await cp(builtInVersionDir(), path.join(model, "2.0.0"), { recursive: true });
    await rm(path.join(model, "2.0.0", "metadata.json"));
    const loaded = await loadPinnedModel(model, { threads: 1 });
    assert.match(loaded.source, /1\.10\.0/);
    await loaded.release();
  });

  it("says what it expected when a directory holds no model", async () => {
    await rejects(root + "/nothing-here", /cannot list|no model version found/);
  });
});

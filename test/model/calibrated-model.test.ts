import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { ArtifactError } from "../../src/errors.js";
import { BUILT_IN_MODEL_URI } from "../../src/config.js";
import { loadPinnedModel } from "../../src/lifecycle/pinned-source.js";
import type { Golden } from "../../src/model/golden.js";
import { loadModel } from "../../src/model/load-model.js";
import { Registry } from "../../src/registry/registry.js";
import { FileStore } from "../../src/storage/file-store.js";
import { calibratedCopy, TEST_CALIBRATION } from "../support/calibrated-version.js";
import { rewriteSigned } from "../support/tamper.js";

/** A version with calibration.json: loaded, proven, served and explained through the chain. */
describe("a calibrated version", () => {
  let root: string;
  let dir: string;
  let golden: Golden;
  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), "lead-scoring-calibrated-"));
    dir = await calibratedCopy(path.join(root, "calibrated"));
    golden = JSON.parse(await readFile(path.join(dir, "golden.json"), "utf8")) as Golden;
  });
  after(() => rm(root, { recursive: true, force: true }));

  const instances = () => golden.rows.map((row) => row.instance);
  const near = (got: ArrayLike<number>, want: (row: Golden["rows"][number]) => number) =>
    golden.rows.forEach((row, i) =>
      assert.ok(Math.abs(got[i]! - want(row)) <= golden.tolerance, `row ${i}: ${got[i]}`),
    );

  for (const scorer of ["trees", "onnx"] as const) {
    it(`serves the calibrated probability golden.json records (${scorer})`, async () => {
      const model = await loadPinnedModel(dir, { threads: 1, scorer });
      try {
        assert.equal(model.calibrator?.method, "platt");
        near(await model.predict(instances()), (row) => row.prediction);
        // The V2 FP32 tensor path comes out of the same place.
        const features = model.preprocessor.encode(instances());
        near(await model.predictFeatures(features, golden.rows.length), (row) => row.prediction);
        const moved = golden.rows.filter(
          (row) => Math.abs(row.prediction - row.raw_prediction!) > 10 * golden.tolerance,
        );
        assert.ok(moved.length > golden.rows.length / 2, "the calibrator changes the answers");
      } finally {
        await model.release();
      }
    });
  }

  for (const method of ["tree_shap", "sampled_shapley"] as const) {
    it(`explains the trees' margin and scores calibrated (${method})`, async () => {
      const model = await loadPinnedModel(dir, { threads: 1 });
      try {
        const rows = golden.rows.slice(0, 5);
        const explained = await model.explain(
          rows.map((row) => row.instance),
          { method, pathCount: 3, seed: 1 },
        );
        assert.equal(explained.calibrated, true);
        assert.equal(explained.space, "log_odds");
        rows.forEach((row, i) => {
          assert.ok(Math.abs(explained.scores[i]! - row.prediction) <= golden.tolerance);
          // The outputs are the margin: its sigmoid is the trees' probability, not the answer.
          const margin = explained.instances[i]!.instanceOutput;
          assert.ok(Math.abs(margin - row.margin) <= 1e-4, `row ${i}: ${margin} vs ${row.margin}`);
        });
      } finally {
        await model.release();
      }
    });
  }

  const refused = (promise: Promise<unknown>, pattern: RegExp) =>
    assert.rejects(promise, (error: unknown) => {
      assert.ok(error instanceof ArtifactError, String(error));
      assert.match(error.message, pattern);
      return true;
    });

  it("is refused at load and at publish when its table was tampered with", async () => {
    const tampered = await calibratedCopy(path.join(root, "tampered"));
    const table = { ...TEST_CALIBRATION, b: TEST_CALIBRATION.b + 0.01 };
    await rewriteSigned(tampered, "calibration.json", Buffer.from(JSON.stringify(table)));
    for (const scorer of ["trees", "onnx", "auto"] as const) {
      await refused(
        loadPinnedModel(tampered, { threads: 1, scorer }),
        /golden check failed .*row 0: the calibrator maps/,
      );
    }
    const registry = new Registry(new FileStore(path.join(root, "registry")), "lead-scoring");
    await refused(
      registry.publish(new FileStore(tampered)),
      /refusing to publish .*golden check failed .*the calibrator maps/,
    );
    assert.equal((await registry.publish(new FileStore(dir))).version, "1.0.0");
  });

  it("is refused when calibration.json and golden.json disagree about having one", async () => {
    const noTable = await calibratedCopy(path.join(root, "no-table"));
    const metadataPath = path.join(noTable, "metadata.json");
    const metadata = JSON.parse(await readFile(metadataPath, "utf8")) as {
      files: Record<string, unknown>;
    };
    delete metadata.files["calibration.json"];
    await writeFile(metadataPath, JSON.stringify(metadata));
    await refused(
      loadPinnedModel(noTable, { threads: 1 }),
      /records calibrated predictions \(raw_prediction\), but metadata\.json lists no calibration/,
    );

    const rawless = await calibratedCopy(path.join(root, "rawless"));
    const rows = golden.rows.map((row) => ({ ...row, raw_prediction: undefined }));
    await rewriteSigned(rawless, "golden.json", Buffer.from(JSON.stringify({ ...golden, rows })));
    await refused(loadPinnedModel(rawless, { threads: 1 }), /200 row\(s\) lack raw_prediction/);
  });

  it("is refused with a bad table, naming the file", async () => {
    const bad = await calibratedCopy(path.join(root, "bad"));
    const table = { format: "lead-scoring-calibration/v1", method: "isotonic", x: [0.2, 0.1] };
    await rewriteSigned(bad, "calibration.json", Buffer.from(JSON.stringify(table)));
    await refused(loadPinnedModel(bad, { threads: 1 }), /bad\/calibration\.json does not match/);
  });
});

describe("a version without a calibrator", () => {
  it("1.0.0 still loads and serves XGBoost's own predictions", async () => {
    const store = new FileStore(BUILT_IN_MODEL_URI);
    const model = await loadModel(store, "1.0.0", { threads: 1 });
    try {
      assert.equal(model.calibrator, undefined);
      const golden = JSON.parse(
        await readFile(path.join(BUILT_IN_MODEL_URI, "1.0.0", "golden.json"), "utf8"),
      ) as Golden;
      const got = await model.predict(golden.rows.map((row) => row.instance));
      golden.rows.forEach((row, i) => {
        assert.equal(row.raw_prediction, undefined);
        assert.ok(Math.abs(got[i]! - row.prediction) <= golden.tolerance);
      });
      const explained = await model.explain([golden.rows[0]!.instance], {
        method: "tree_shap",
        pathCount: 1,
        seed: 0,
      });
      assert.equal(explained.calibrated, false);
    } finally {
      await model.release();
    }
  });
});

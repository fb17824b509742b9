import assert from "node:assert/strict";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, it } from "node:test";
import { ConflictError } from "../../src/errors.js";
import { FileStore } from "../../src/storage/file-store.js";
import { loadModel } from "../../src/model/load-model.js";
import { promoteIfBetter } from "../../src/registry/promotion.js";
import { Registry } from "../../src/registry/registry.js";
import type { ArtifactStore } from "../../src/storage/store.js";
import { builtInVersionDir } from "../support/app.js";
import { raisePrimaryMetric } from "../support/tamper.js";

/**
 * What every registry backend must guarantee, run against each (local directory, GCS emulator).
 * `fresh` gives an empty store for one test, or undefined when the backend is unavailable.
 */
export function registryContract(fresh: () => Promise<ArtifactStore | undefined>): void {
  const source = () => new FileStore(builtInVersionDir());
  // A retrained copy of the built-in version with a higher ROC-AUC, which promote-if-better takes.
  let betterDir = "";
  before(async () => {
    betterDir = path.join(await mkdtemp(path.join(tmpdir(), "lead-scoring-better-")), "1.0.0");
    await cp(builtInVersionDir(), betterDir, { recursive: true });
    await raisePrimaryMetric(betterDir, 0.01);
  });
  after(() => rm(path.dirname(betterDir), { recursive: true, force: true }));
  const setup = async (): Promise<Registry | undefined> => {
    const store = await fresh();
    return store === undefined ? undefined : new Registry(store, "lead-scoring");
  };

  it("numbers versions: 1.0.0 first, patch for the same schema, major on request", async (t) => {
    const registry = await setup();
    if (registry === undefined) return t.skip("backend unavailable");
    assert.equal((await registry.publish(source())).version, "1.0.0");
    assert.equal((await registry.publish(source())).version, "1.0.1");
    assert.equal((await registry.publish(source(), { major: true })).version, "2.0.0");
    assert.deepEqual(await registry.versions(), ["1.0.0", "1.0.1", "2.0.0"]);
    assert.equal((await registry.metadata("1.0.1")).version, "1.0.1", "metadata is restamped");
  });

  it("records the version in golden.json too, and the published version loads verified", async (t) => {
    const registry = await setup();
    if (registry === undefined) return t.skip("backend unavailable");
    await registry.publish(source());
    const { version } = await registry.publish(source());
    const golden = JSON.parse(
      (await registry.store.readFile(`lead-scoring/${version}/golden.json`)).toString("utf8"),
    ) as { model_version: string };
    assert.equal(golden.model_version, "1.0.1");
    // metadata.json lists the restamped file's digest: sha256 and golden check pass on load.
    const model = await loadModel(registry.store, registry.versionPath(version), { threads: 1 });
    assert.equal(model.version, "1.0.1");
    await model.release();
  });

  it("never overwrites a file of a version", async (t) => {
    const registry = await setup();
    if (registry === undefined) return t.skip("backend unavailable");
    await registry.publish(source());
    await assert.rejects(
      registry.store.create("lead-scoring/1.0.0/model.onnx", Buffer.from("x")),
      ConflictError,
    );
    const bytes = await registry.store.readFile("lead-scoring/1.0.0/model.onnx");
    assert.ok(bytes.length > 1000, "the original is intact");
  });

  it("keeps an incomplete version invisible and never reuses its number", async (t) => {
    const registry = await setup();
    if (registry === undefined) return t.skip("backend unavailable");
    await registry.publish(source());
    // An interrupted publish of 1.0.1: files but no metadata.json.
    await registry.store.create("lead-scoring/1.0.1/model.onnx", Buffer.from("partial"));
    assert.deepEqual(await registry.versions(), ["1.0.0"]);
    assert.equal((await registry.publish(source())).version, "1.0.2");
  });

  it("lets exactly one of two concurrent alias updates win", async (t) => {
    const registry = await setup();
    if (registry === undefined) return t.skip("backend unavailable");
    await registry.publish(source());
    await registry.publish(source());
    await registry.promote("1.0.0", "production");
    // Truly concurrent: both promotions have read the alias before either writes it.
    const racing = new Registry(readBarrier(registry.store, 2), "lead-scoring");
    const results = await Promise.allSettled([
      racing.promote("1.0.1", "production", { actor: "alice" }),
      racing.promote("1.0.1", "production", { actor: "bob" }),
    ]);
    const won = results.filter((result) => result.status === "fulfilled");
    const lost = results.filter((result) => result.status === "rejected");
    assert.equal(won.length, 1, JSON.stringify(results.map((r) => r.status)));
    assert.equal(lost.length, 1);
    assert.ok(lost[0]!.reason instanceof ConflictError, String(lost[0]!.reason));
    assert.match(String(lost[0]!.reason), /alias production was changed by someone else/);
    const state = await registry.alias("production");
    assert.equal(state?.record.version, "1.0.1");
    assert.equal(state?.record.previous, "1.0.0", "the loser did not write on top of the winner");
  });

  for (const production of ["1.0.0", undefined]) {
    it(`promote-if-better loses cleanly to a promotion landing after it read the alias (${production === undefined ? "no alias yet" : `alias at ${production}`})`, async (t) => {
      const registry = await setup();
      if (registry === undefined) return t.skip("backend unavailable");
      await registry.publish(source()); // 1.0.0
      await registry.publish(source()); // 1.0.1: what the rival promotes
      const candidate = (await registry.publish(new FileStore(betterDir))).version;
      if (production !== undefined) await registry.promote(production, "production");
      // promoteIfBetter reads the alias, then the rival's promotion lands, then it decides and writes.
      const racing = new Registry(
        changeAfterFirstRead(registry.store, () =>
          registry.promote("1.0.1", "production", { actor: "rival" }),
        ),
        "lead-scoring",
      );
      await assert.rejects(promoteIfBetter(racing, candidate, "production", "ci"), (error) => {
        assert.ok(error instanceof ConflictError, String(error));
        assert.match(error.message, /alias production was changed by someone else meanwhile/);
        return true;
      });
      const state = await registry.alias("production");
      assert.deepEqual(
        [state?.record.version, state?.record.set_by, state?.record.previous],
        ["1.0.1", "rival", production ?? null],
        "the rival's promotion stands",
      );
    });
  }

  it("promotes and rolls back, recording who, when and the version replaced", async (t) => {
    const registry = await setup();
    if (registry === undefined) return t.skip("backend unavailable");
    await registry.publish(source());
    await registry.publish(source());
    await registry.promote("1.0.0", "production", { actor: "alice" });
    const promoted = await registry.promote("1.0.1", "production", { actor: "bob" });
    assert.deepEqual(
      [promoted.version, promoted.previous, promoted.set_by],
      ["1.0.1", "1.0.0", "bob"],
    );
    const rolledBack = await registry.rollback("production", "carol");
    assert.deepEqual([rolledBack.version, rolledBack.previous], ["1.0.0", "1.0.1"]);
    assert.equal((await registry.alias("production"))?.record.version, "1.0.0");
    await assert.rejects(
      registry.promote("9.9.9", "production"),
      /version 9\.9\.9 of lead-scoring does not exist/,
    );
  });
}

/** `store`, where every alias read (readVersioned) awaits `hook` before its result returns. */
function afterEachRead(store: ArtifactStore, hook: () => Promise<unknown>): ArtifactStore {
  return Object.assign(Object.create(store) as ArtifactStore, {
    async readVersioned(path: string) {
      const result = await store.readVersioned(path);
      await hook();
      return result;
    },
  });
}

/** A store whose alias reads all wait until `parties` of them have happened. */
function readBarrier(store: ArtifactStore, parties: number): ArtifactStore {
  let arrived = 0;
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  return afterEachRead(store, () => {
    if (++arrived >= parties) release();
    return gate;
  });
}

/** A store whose first alias read returns only after `change` has been made (on another store). */
function changeAfterFirstRead(store: ArtifactStore, change: () => Promise<unknown>): ArtifactStore {
  let pending: (() => Promise<unknown>) | undefined = change;
  return afterEachRead(store, async () => {
    const run = pending;
    pending = undefined;
    await run?.();
  });
}

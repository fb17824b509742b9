import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, it } from "node:test";
import { ArtifactError, ConflictError } from "../../src/errors.js";
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
    const winner = won[0]!.value.set_by;
    assert.deepEqual(
      state?.record.history?.map((change) => [change.from, change.to, change.by]),
      [
        [null, "1.0.0", state?.record.history?.[0]?.by],
        ["1.0.0", "1.0.1", winner],
      ],
      "the winner's change is recorded once, the loser's not at all",
    );
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
    const rolledBack = await registry.rollback("production", { actor: "carol" });
    assert.deepEqual([rolledBack.version, rolledBack.previous], ["1.0.0", "1.0.1"]);
    assert.equal((await registry.alias("production"))?.record.version, "1.0.0");
    await assert.rejects(
      registry.promote("9.9.9", "production"),
      /version 9\.9\.9 of lead-scoring does not exist/,
    );
  });

  it("rolls back through the history: twice is two promotions back, never a flip", async (t) => {
    const registry = await setup();
    if (registry === undefined) return t.skip("backend unavailable");
    for (let i = 0; i < 4; i++) await registry.publish(source()); // 1.0.0 … 1.0.3
    for (const version of ["1.0.0", "1.0.1", "1.0.2"])
      await registry.promote(version, "production");
    const back = async () => (await registry.rollback("production")).version;
    assert.equal(await back(), "1.0.1");
    assert.equal(await back(), "1.0.0", "the second rollback goes further back, not to 1.0.2");
    await assert.rejects(back(), /production has no earlier version to roll back to/);
    // A promotion after rollbacks is undone first; then the walk continues below what was undone.
    await registry.promote("1.0.3", "production");
    assert.equal(await back(), "1.0.0");
    await assert.rejects(back(), /no earlier version/);
    assert.equal((await registry.alias("production"))?.record.version, "1.0.0");
  });

  it("keeps an append-only history of who moved the alias, when, from, to and why", async (t) => {
    const registry = await setup();
    if (registry === undefined) return t.skip("backend unavailable");
    await registry.publish(source());
    await registry.publish(source());
    const candidate = (await registry.publish(new FileStore(betterDir))).version;
    await registry.promote("1.0.0", "production", { actor: "alice", reason: "first release" });
    await registry.promote("1.0.1", "production", { actor: "bob" });
    await promoteIfBetter(registry, candidate, "production", "ci");
    await registry.rollback("production", { actor: "carol", reason: "conversion dropped" });
    const record = (await registry.alias("production"))!.record;
    const history = record.history ?? [];
    assert.deepEqual(
      history.map(({ action, from, to, by, undoes }) => ({ action, from, to, by, undoes })),
      [
        { action: "promote", from: null, to: "1.0.0", by: "alice", undoes: undefined },
        { action: "promote", from: "1.0.0", to: "1.0.1", by: "bob", undoes: undefined },
        { action: "promote-if-better", from: "1.0.1", to: candidate, by: "ci", undoes: undefined },
        { action: "rollback", from: candidate, to: "1.0.1", by: "carol", undoes: 2 },
      ],
    );
    assert.equal(history[0]!.reason, "first release");
    assert.match(history[2]!.reason, /^better: candidate 1\.0\.2 roc_auc/);
    assert.equal(history[3]!.reason, "conversion dropped");
    for (const change of history) assert.ok(!Number.isNaN(Date.parse(change.at)), change.at);
    // What a service reads is unchanged in shape: the version, who set it, what it replaced.
    assert.deepEqual(
      [record.version, record.set_by, record.previous, record.set_at],
      ["1.0.1", "carol", candidate, history[3]!.at],
    );
  });

  it("reads an alias file written before histories were kept, and rolls it back", async (t) => {
    const registry = await setup();
    if (registry === undefined) return t.skip("backend unavailable");
    await registry.publish(source());
    await registry.publish(source());
    const old = { alias: "production", version: "1.0.1", set_at: "2026-01-01T00:00:00.000Z" };
    await registry.store.replace(
      "lead-scoring/aliases/production.json",
      Buffer.from(JSON.stringify({ ...old, set_by: "legacy", previous: "1.0.0" })),
      undefined,
    );
    assert.equal((await registry.alias("production"))?.record.version, "1.0.1");
    const rolledBack = await registry.rollback("production", { actor: "ops" });
    assert.equal(rolledBack.version, "1.0.0");
    assert.deepEqual(
      rolledBack.history?.map((change) => [change.action, change.from, change.to, change.by]),
      [
        ["promote", "1.0.0", "1.0.1", "legacy"],
        ["rollback", "1.0.1", "1.0.0", "ops"],
      ],
    );
  });

  for (const [damage, expected] of [
    ["a flipped byte in model.onnx", /lead-scoring\/1\.0\.1\/model\.onnx is corrupt/],
    ["a golden prediction that the model does not reproduce", /golden check failed/],
  ] as const) {
    it(`refuses to promote a version with ${damage}, naming it; the alias is untouched`, async (t) => {
      const registry = await setup();
      if (registry === undefined) return t.skip("backend unavailable");
      await registry.publish(source());
      await registry.publish(source());
      // 1.0.1 served once, then 1.0.0: a rollback would return to 1.0.1.
      await registry.promote("1.0.1", "production");
      await registry.promote("1.0.0", "production");
      const before = await registry.alias("production");
      if (damage.startsWith("a flipped"))
        await flipStoredByte(registry.store, "lead-scoring/1.0.1/model.onnx");
      else await shiftStoredGolden(registry.store, "lead-scoring/1.0.1");
      const refused = (error: unknown) => {
        assert.ok(error instanceof ArtifactError, String(error));
        assert.match(
          error.message,
          /^refusing to point production at lead-scoring 1\.0\.1; production is unchanged: /,
        );
        assert.match(error.message, expected);
        return true;
      };
      await assert.rejects(registry.promote("1.0.1", "production"), refused);
      await assert.rejects(registry.rollback("production"), refused);
      assert.deepEqual(await registry.alias("production"), before, "alias and history untouched");
    });
  }

  it("records the lineage in metadata.json, and the version still verifies", async (t) => {
    const registry = await setup();
    if (registry === undefined) return t.skip("backend unavailable");
    const published = await registry.publish(source(), {
      actor: "pipeline@acme.iam.gserviceaccount.com",
      lineage: { trainingRunId: "0f3c9a", gitCommit: "4b825dc642cb6eb9a060e54bf8d69288fbee4904" },
    });
    const stored = await registry.metadata(published.version);
    const folder = JSON.parse((await source().readFile("metadata.json")).toString("utf8")) as {
      training_data: { sha256: string };
    };
    assert.deepEqual(
      { ...stored.lineage, published_at: undefined },
      {
        source: builtInVersionDir(),
        training_run_id: "0f3c9a",
        training_data_sha256: folder.training_data.sha256,
        git_commit: "4b825dc642cb6eb9a060e54bf8d69288fbee4904",
        published_at: undefined,
        published_by: "pipeline@acme.iam.gserviceaccount.com",
      },
    );
    assert.ok(!Number.isNaN(Date.parse(stored.lineage!.published_at)));
    assert.equal((await registry.publish(source())).lineage?.training_run_id, null);
    const model = await loadModel(registry.store, registry.versionPath(published.version), {
      threads: 1,
    });
    await model.release();
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

/** Rewrites one stored file in place (as someone with write access to the bucket could). */
async function rewriteStored(
  store: ArtifactStore,
  path: string,
  edit: (bytes: Buffer) => Buffer,
): Promise<void> {
  const found = await store.readVersioned(path);
  if (found === undefined) throw new Error(`${path} does not exist`);
  await store.replace(path, edit(found.bytes), found.generation);
}

/** A corruption only the sha256 check can catch. */
export function flipStoredByte(store: ArtifactStore, path: string): Promise<void> {
  return rewriteStored(store, path, (bytes) => {
    const copy = Buffer.from(bytes);
    copy.writeUInt8(copy.readUInt8(200) ^ 0xff, 200);
    return copy;
  });
}

/** Shifts golden row 0's prediction and re-signs it in metadata.json: only the golden check fails. */
async function shiftStoredGolden(store: ArtifactStore, versionPath: string): Promise<void> {
  let digest = { sha256: "", bytes: 0 };
  await rewriteStored(store, `${versionPath}/golden.json`, (bytes) => {
    const golden = JSON.parse(bytes.toString("utf8")) as { rows: { prediction: number }[] };
    golden.rows[0]!.prediction += 0.001;
    const shifted = Buffer.from(JSON.stringify(golden));
    digest = { sha256: createHash("sha256").update(shifted).digest("hex"), bytes: shifted.length };
    return shifted;
  });
  await rewriteStored(store, `${versionPath}/metadata.json`, (bytes) => {
    const metadata = JSON.parse(bytes.toString("utf8")) as { files: Record<string, unknown> };
    metadata.files["golden.json"] = digest;
    return Buffer.from(JSON.stringify(metadata));
  });
}

import assert from "node:assert/strict";
import { it } from "node:test";
import { ArtifactError, ConflictError, InvalidInputError } from "../../src/errors.js";
import { historyOf } from "../../src/registry/alias-history.js";
import { Registry } from "../../src/registry/registry.js";
import { liveShare, liveShadowSampling } from "../../src/registry/rollout.js";
import { Rollouts } from "../../src/registry/rollouts.js";
import { FileStore } from "../../src/storage/file-store.js";
import type { ArtifactStore } from "../../src/storage/store.js";
import { builtInVersionDir } from "../support/app.js";
import { flipStoredByte } from "./registry-contract.js";

/**
 * What a rollout guarantees on every registry backend: its state lives beside the aliases, is
 * changed only by compare-and-swap, refuses bad versions and shares, and moves the alias only
 * through the verified promote. `fresh` gives an empty store, or undefined when unavailable.
 */
export function rolloutContract(fresh: () => Promise<ArtifactStore | undefined>): void {
  /** A registry with 1.0.0 at production and 1.0.1 published beside it. */
  const setup = async (): Promise<Rollouts | undefined> => {
    const store = await fresh();
    if (store === undefined) return undefined;
    const registry = new Registry(store, "lead-scoring");
    await registry.publish(new FileStore(builtInVersionDir()));
    await registry.publish(new FileStore(builtInVersionDir()));
    await registry.promote("1.0.0", "production");
    return new Rollouts(registry, "production");
  };

  it("starts, moves the share, promotes through the alias history and closes", async (t) => {
    const rollouts = await setup();
    if (rollouts === undefined) return t.skip("backend unavailable");
    assert.equal(await rollouts.read(), undefined);
    const started = await rollouts.start({ candidate: "1.0.1", mode: "shadow" }, "ana");
    assert.equal(liveShadowSampling(started), 1);
    assert.equal(liveShare(started), 0);
    assert.equal((await rollouts.setShare(50, "ana")).share, 50);
    const read = await rollouts.read();
    assert.equal(read?.state.mode, "canary");
    assert.equal(liveShare(read?.state), 50);
    const { state, alias } = await rollouts.promote("ana", "canary held for a day");
    assert.equal(state.status, "promoted");
    assert.equal(liveShare(state), 0);
    assert.equal(alias.version, "1.0.1");
    const history = historyOf((await rollouts.registry.alias("production"))!.record);
    assert.deepEqual(
      history.map((change) => [change.action, change.from, change.to, change.reason]),
      [
        ["promote", null, "1.0.0", ""],
        ["promote", "1.0.0", "1.0.1", "canary held for a day"],
      ],
    );
    assert.deepEqual(
      (await rollouts.read())?.state.history.map((change) => change.action),
      ["start", "set-share", "promote"],
    );
    await assert.rejects(rollouts.setShare(10), /no rollout is in progress.*was promoted/);
  });

  it("aborts without moving the alias", async (t) => {
    const rollouts = await setup();
    if (rollouts === undefined) return t.skip("backend unavailable");
    await rollouts.start({ candidate: "1.0.1", mode: "canary", share: 20 });
    assert.equal((await rollouts.abort("ops", "looks wrong")).status, "aborted");
    assert.equal(liveShare((await rollouts.read())?.state), 0);
    assert.equal((await rollouts.registry.alias("production"))?.record.version, "1.0.0");
    // A closed rollout makes room for the next one, whose history continues.
    const again = await rollouts.start({ candidate: "1.0.1", mode: "shadow" });
    assert.deepEqual(
      again.history.map((change) => change.action),
      ["start", "abort", "start"],
    );
  });

  it("rejects a share outside 0..100, an unknown version and a second rollout", async (t) => {
    const rollouts = await setup();
    if (rollouts === undefined) return t.skip("backend unavailable");
    for (const share of [-1, 100.5, Number.NaN]) {
      await assert.rejects(
        rollouts.start({ candidate: "1.0.1", mode: "canary", share }),
        (error) =>
          error instanceof InvalidInputError && /share must be .*0 to 100/.test(error.message),
      );
    }
    await assert.rejects(
      rollouts.start({ candidate: "9.9.9", mode: "shadow" }),
      /version 9\.9\.9 of lead-scoring does not exist/,
    );
    await assert.rejects(
      rollouts.start({ candidate: "1.0.1", mode: "shadow", guardrails: { max_error_rate: 2 } }),
      /guardrail max_error_rate/,
    );
    assert.equal(await rollouts.read(), undefined, "nothing was written");
    await rollouts.start({ candidate: "1.0.1", mode: "shadow" });
    await assert.rejects(rollouts.setShare(101), /share must be/);
    await assert.rejects(
      rollouts.start({ candidate: "1.0.0", mode: "shadow" }),
      /a rollout of 1\.0\.1 is active/,
    );
  });

  it("refuses a candidate that fails verification, naming the file", async (t) => {
    const rollouts = await setup();
    if (rollouts === undefined) return t.skip("backend unavailable");
    await flipStoredByte(rollouts.registry.store, "lead-scoring/1.0.1/model.onnx");
    await assert.rejects(rollouts.start({ candidate: "1.0.1", mode: "shadow" }), (error) => {
      assert.ok(error instanceof ArtifactError);
      assert.match(error.message, /^refusing to start a rollout of lead-scoring 1\.0\.1: /);
      assert.match(error.message, /model\.onnx is corrupt/);
      return true;
    });
    assert.equal(await rollouts.read(), undefined);
  });

  it("a replica's stop is a compare-and-swap that only stops the rollout it judged", async (t) => {
    const rollouts = await setup();
    if (rollouts === undefined) return t.skip("backend unavailable");
    await rollouts.start({ candidate: "1.0.1", mode: "canary", share: 50 });
    assert.equal((await rollouts.stop("1.0.0", "stale", "pod-a"))?.status, "active");
    const stopped = await rollouts.stop("1.0.1", "error rate 0.2 > 0.01", "pod-a");
    assert.equal(stopped?.status, "stopped");
    assert.equal(liveShare(stopped), 0);
    assert.equal((await rollouts.read())?.state.stop_reason, "error rate 0.2 > 0.01");
    // A person resumes it with a new share; a stale write loses instead of overwriting.
    const seen = await rollouts.read();
    await rollouts.setShare(10);
    const bytes = Buffer.from(JSON.stringify(seen!.state));
    await assert.rejects(
      rollouts.registry.store.replace(rollouts.path, bytes, seen!.generation),
      ConflictError,
    );
    assert.equal(liveShare((await rollouts.read())?.state), 10);
  });
}

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { NotReadyError } from "../../src/errors.js";
import { ModelHolder, type VersionHooks } from "../../src/lifecycle/model-holder.js";
import { ModelSet } from "../../src/lifecycle/model-set.js";
import type { LoadedModel } from "../../src/model/loaded-model.js";
import { fakeModel, type FakeModel } from "../support/fake-models.js";

/** Version hooks that log each call, with how many release() calls the version had by then. */
function recordingHooks(fakes: readonly FakeModel[]): { hooks: VersionHooks; events: string[] } {
  const events: string[] = [];
  const releasesOf = (model: LoadedModel) =>
    fakes.find((fake) => fake.model === model)?.scorer.releases;
  return {
    events,
    hooks: {
      serving: (model, holder) => events.push(`${holder}: serving ${model.version}`),
      released: (model, holder) =>
        events.push(`${holder}: released ${model.version} (release() calls: ${releasesOf(model)})`),
    },
  };
}

/** A request holding a lease until the test ends it, successfully or with an error. */
interface Lease {
  /** The version the lease was taken on. */
  readonly model: LoadedModel;
  /** Ends the request; resolves once the holder is done with it (release included). */
  end(): Promise<void>;
  /** Ends the request with `error`; resolves with what the holder rejected with. */
  fail(error: Error): Promise<unknown>;
}

function lease(holder: ModelHolder): Lease {
  let settle: (error?: Error) => void = () => undefined;
  const ended = new Promise<void>((resolve, reject) => {
    settle = (error) => (error === undefined ? resolve() : reject(error));
  });
  let leased: LoadedModel | undefined;
  const request = holder.use(async (model) => {
    leased = model;
    await ended;
  });
  // use() takes its lease and starts the task synchronously, so `leased` is set by now.
  if (leased === undefined) throw new Error("use() did not start the task at once");
  return {
    model: leased,
    end: () => {
      settle();
      return request;
    },
    fail: (error) => {
      settle(error);
      return request.then(
        () => assert.fail("the request should have failed"),
        (reason: unknown) => reason,
      );
    },
  };
}

/** Three fake versions 1.0.0, 1.0.1, 1.0.2. */
async function versions(): Promise<[FakeModel, FakeModel, FakeModel]> {
  return [await fakeModel("1.0.0"), await fakeModel("1.0.1"), await fakeModel("1.0.2")];
}

describe("ModelHolder releases a replaced version exactly after its last lease", () => {
  it("with no lease: at once, when it is swapped out", async () => {
    const [a, b] = await versions();
    const holder = new ModelHolder();
    await holder.swap(a.model);
    const previous = await holder.swap(b.model);
    assert.equal(previous, a.model);
    assert.equal(a.scorer.releases, 1);
    assert.equal(b.scorer.releases, 0);
    assert.equal(holder.current(), b.model);
  });

  it("with one lease: not while the request runs, once when it ends", async () => {
    const [a, b] = await versions();
    const holder = new ModelHolder();
    await holder.swap(a.model);
    const request = lease(holder);
    await holder.swap(b.model);
    assert.equal(request.model, a.model);
    assert.equal(holder.leasesOn(a.model), 1);
    assert.equal(a.scorer.releases, 0, "released under a running request");
    // A request that starts now is answered by the new version; the old one is still not freed.
    assert.equal(await holder.use((model) => Promise.resolve(model.version)), "1.0.1");
    assert.equal(a.scorer.releases, 0);
    await request.end();
    assert.equal(holder.leasesOn(a.model), 0);
    assert.equal(a.scorer.releases, 1);
    assert.equal(b.scorer.releases, 0);
  });

  it("with several leases: only after the last one, whatever order they end in", async () => {
    const [a, b] = await versions();
    const holder = new ModelHolder();
    await holder.swap(a.model);
    const requests = [lease(holder), lease(holder), lease(holder)];
    await holder.swap(b.model);
    const onNew = lease(holder);
    assert.equal(onNew.model, b.model);
    assert.equal(holder.leasesOn(a.model), 3);
    for (const i of [1, 2]) {
      await requests[i]!.end();
      assert.equal(a.scorer.releases, 0, `released after ${3 - holder.leasesOn(a.model)} of 3`);
    }
    await requests[0]!.end();
    assert.equal(a.scorer.releases, 1);
    await onNew.end();
    assert.equal(a.scorer.releases, 1, "released once only");
    assert.equal(b.scorer.releases, 0, "the serving version is never released");
  });

  it("close(): stops serving at once, releases after the last lease, once", async () => {
    const [a] = await versions();
    const holder = new ModelHolder();
    await holder.swap(a.model);
    const requests = [lease(holder), lease(holder)];
    await holder.close();
    assert.equal(holder.current(), undefined);
    await assert.rejects(
      holder.use(() => Promise.resolve()),
      NotReadyError,
    );
    await requests[0]!.end();
    assert.equal(a.scorer.releases, 0);
    await requests[1]!.end();
    assert.equal(a.scorer.releases, 1);
    await holder.close();
    assert.equal(a.scorer.releases, 1, "a second close() releases nothing again");

    const [idle] = await versions();
    const empty = new ModelHolder();
    await empty.swap(idle.model);
    await empty.close();
    assert.equal(idle.scorer.releases, 1, "with no lease, close() releases at once");
  });

  it("swapping in the version already serving changes nothing", async () => {
    const fakes = await versions();
    const [a] = fakes;
    const { hooks, events } = recordingHooks(fakes);
    const holder = new ModelHolder("production", hooks);
    await holder.swap(a.model);
    const request = lease(holder);
    assert.equal(await holder.swap(a.model), a.model);
    await request.end();
    assert.equal(holder.current(), a.model);
    assert.equal(a.scorer.releases, 0);
    assert.deepEqual(events, ["production: serving 1.0.0"]);
  });

  it("swapping back to a replaced version that still has leases keeps it serving", async () => {
    const [a, b, c] = await versions();
    const holder = new ModelHolder();
    await holder.swap(a.model);
    const request = lease(holder);
    await holder.swap(b.model); // a is out, waiting for its lease
    await holder.swap(a.model); // ...and back in before that lease ended
    assert.equal(b.scorer.releases, 1);
    await request.end();
    assert.equal(a.scorer.releases, 0, "released while serving again");
    assert.equal(await holder.use((model) => Promise.resolve(model.version)), "1.0.0");
    await holder.swap(c.model);
    assert.equal(a.scorer.releases, 1, "released once it is out for good");
  });

  it("calls serving and released with the holder's name, in order, released after release()", async () => {
    const fakes = await versions();
    const [a, b, c] = fakes;
    const { hooks, events } = recordingHooks(fakes);
    const holder = new ModelHolder("candidate", hooks);
    await holder.swap(a.model);
    const request = lease(holder);
    await holder.swap(b.model); // a waits for its lease
    await holder.swap(c.model); // b has none: released at once
    await request.end();
    assert.deepEqual(events, [
      "candidate: serving 1.0.0",
      "candidate: serving 1.0.1",
      "candidate: serving 1.0.2",
      "candidate: released 1.0.1 (release() calls: 1)",
      "candidate: released 1.0.0 (release() calls: 1)",
    ]);
  });

  it("a failing request still ends its lease", async () => {
    const failing = await fakeModel("1.0.0", { behaviour: "failing" });
    const [, b, c] = await versions();
    const holder = new ModelHolder();
    await holder.swap(failing.model);
    await assert.rejects(
      holder.use((model) => model.predict([{ visits: 1, source: "web" }])),
      /fake model 1\.0\.0 failed/,
    );
    await assert.rejects(
      holder.use(() => {
        throw new Error("thrown before any await");
      }),
      /thrown before any await/,
    );
    assert.equal(holder.leasesOn(failing.model), 0);
    await holder.swap(b.model);
    assert.equal(failing.scorer.releases, 1, "no lease was left behind");

    // A request that fails after its version was swapped out releases that version as it ends.
    const request = lease(holder);
    await holder.swap(c.model);
    assert.equal(b.scorer.releases, 0);
    const reason = await request.fail(new Error("scoring failed"));
    assert.match(String(reason), /scoring failed/);
    assert.equal(b.scorer.releases, 1);
  });
});

describe("ModelSet holds named versions, each with its own leases", () => {
  it("gives every holder the shared hooks with its name; close() releases each after its own last lease", async () => {
    const fakes = await versions();
    const [a, b] = fakes;
    const { hooks, events } = recordingHooks(fakes);
    const set = new ModelSet(hooks);
    await set.holder().swap(a.model);
    await set.holder("candidate").swap(b.model);
    assert.deepEqual(set.names(), ["production", "candidate"]);
    const onCandidate = lease(set.holder("candidate"));
    await set.close();
    assert.deepEqual([a.scorer.releases, b.scorer.releases], [1, 0]);
    await onCandidate.end();
    assert.deepEqual([a.scorer.releases, b.scorer.releases], [1, 1]);
    assert.deepEqual(events, [
      "production: serving 1.0.0",
      "candidate: serving 1.0.1",
      "production: released 1.0.0 (release() calls: 1)",
      "candidate: released 1.0.1 (release() calls: 1)",
    ]);
  });
});

import assert from "node:assert/strict";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Writable } from "node:stream";
import { buffer } from "node:stream/consumers";
import { finished } from "node:stream/promises";
import { after, before, describe, it } from "node:test";
import { ArtifactError, ConflictError } from "../../src/errors.js";
import { FileStore } from "../../src/storage/file-store.js";
import { GcsStore } from "../../src/storage/gcs-store.js";
import type { ArtifactStore } from "../../src/storage/store.js";
import { emulatorOrSkip, startFakeGcs, type FakeGcsStart } from "../support/fake-gcs.js";

/** Writes `parts` one by one and ends the stream; resolves once the file is committed. */
async function writeAll(file: Writable, parts: string[]): Promise<void> {
  for (const part of parts) file.write(part);
  file.end();
  await finished(file);
}

/** The streamed reads and writes batch scoring relies on, the same on disk and on GCS. */
function streamContract(
  fresh: (t: { skip(message?: string): void }) => Promise<ArtifactStore | undefined>,
) {
  it("a streamed file appears whole, only when it finishes", async (t) => {
    const store = await fresh(t);
    if (store === undefined) return;
    const file = store.openWrite("out/scores.jsonl", { exclusive: true });
    file.write("first line\n");
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(await store.exists("out/scores.jsonl"), false, "visible before it finished");
    file.write("second line\n");
    file.end();
    await finished(file);
    assert.equal(
      (await store.readFile("out/scores.jsonl")).toString(),
      "first line\nsecond line\n",
    );
  });

  it("exclusive: finishing over an existing file is a ConflictError and keeps the first", async (t) => {
    const store = await fresh(t);
    if (store === undefined) return;
    await writeAll(store.openWrite("done.jsonl", { exclusive: true }), ["one\n"]);
    await assert.rejects(
      writeAll(store.openWrite("done.jsonl", { exclusive: true }), ["two\n"]),
      ConflictError,
    );
    assert.equal((await store.readFile("done.jsonl")).toString(), "one\n");
  });

  it("not exclusive: replaces an existing file", async (t) => {
    const store = await fresh(t);
    if (store === undefined) return;
    await writeAll(store.openWrite("errors.jsonl", { exclusive: false }), ["old\n"]);
    await writeAll(store.openWrite("errors.jsonl", { exclusive: false }), ["new\n"]);
    assert.equal((await store.readFile("errors.jsonl")).toString(), "new\n");
  });

  it("a destroyed writer leaves nothing", async (t) => {
    const store = await fresh(t);
    if (store === undefined) return;
    const file = store.openWrite("cut/scores.jsonl", { exclusive: true });
    file.write("half a run\n");
    file.destroy();
    await finished(file).catch(() => undefined);
    assert.equal(await store.exists("cut/scores.jsonl"), false);
    assert.deepEqual(await store.listFiles("cut"), []);
  });

  it("reads a file as a stream with its size; a missing one is an ArtifactError", async (t) => {
    const store = await fresh(t);
    if (store === undefined) return;
    const content = "x".repeat(100_000);
    await writeAll(store.openWrite("in/leads.csv", { exclusive: true }), [content]);
    const { stream, size } = await store.openRead("in/leads.csv");
    assert.equal(size, content.length);
    assert.equal((await buffer(stream)).toString(), content);
    await assert.rejects(store.openRead("in/absent.csv"), ArtifactError);
  });
}

describe("FileStore streams", () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), "store-streams-"));
  });
  after(() => rm(root, { recursive: true, force: true }));
  let n = 0;
  streamContract(() => Promise.resolve(new FileStore(path.join(root, String(n++)))));

  it("leaves no temporary file behind once committed", async () => {
    const store = new FileStore(path.join(root, "tidy"));
    await writeAll(store.openWrite("scores.jsonl", { exclusive: true }), ["a\n"]);
    assert.deepEqual(await readdir(path.join(root, "tidy")), ["scores.jsonl"]);
  });
});

describe("GcsStore streams against fake-gcs-server", () => {
  let started: FakeGcsStart | undefined;
  before(async () => {
    started = await startFakeGcs();
  });
  after(() => started?.gcs?.stop());
  let n = 0;
  streamContract(async (t) => {
    const gcs = emulatorOrSkip(started, t);
    if (gcs === undefined) return undefined;
    const bucket = `streams-${n++}`;
    await gcs.createBucket(bucket);
    return new GcsStore({ bucket, prefix: "batch", apiEndpoint: gcs.endpoint });
  });
});

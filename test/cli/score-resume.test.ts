import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, describe, it } from "node:test";
import { records, scoreCli, startScoreCli, writeManyLeadsCsv } from "../support/batch-files.js";

const ROWS = 60_000;
let root: string;
let input: string;

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), "score-resume-"));
  input = path.join(root, "leads.csv");
  await writeManyLeadsCsv(input, ROWS);
});
after(() => rm(root, { recursive: true, force: true }));

/** Waits until the shard's temporary output holds some scores (the run is midway). */
async function untilWriting(folder: string, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    for (const name of await readdir(folder).catch(() => [])) {
      if (name.endsWith(".tmp") && (await stat(path.join(folder, name))).size > 0) return;
    }
    await sleep(10);
  }
  throw new Error("the run never started writing");
}

describe("lead-scoring score after a killed run", () => {
  it(
    "a re-run writes the whole shard once: complete, nothing duplicated",
    { timeout: 120_000 },
    async () => {
      const folder = path.join(root, "out");
      const args = [
        "--input",
        input,
        "--output",
        path.join(folder, "scores.jsonl"),
        "--shard",
        "1/2",
      ];
      const child = startScoreCli(args);
      const exited = once(child, "exit");
      await untilWriting(folder, Date.now() + 60_000);
      child.kill("SIGKILL");
      const [code, signal] = (await exited) as [number | null, string | null];
      assert.equal(signal, "SIGKILL", `the run ended before it was killed (exit ${code})`);
      assert.deepEqual(
        (await readdir(folder)).filter((name) => !name.endsWith(".tmp")),
        [],
        "a killed run leaves no output under the shard's names",
      );

      const rerun = await scoreCli(args);
      assert.equal(rerun.code, 0, rerun.stderr);
      assert.match(
        rerun.stdout,
        new RegExp(`${ROWS / 2} rows read = ${ROWS / 2} scored \\+ 0 errors`),
      );
      const scored = records(
        await readFile(path.join(folder, "scores-00001-of-00002.jsonl"), "utf8"),
      );
      assert.deepEqual(
        scored.map((row) => row.row),
        Array.from({ length: ROWS / 2 }, (_, i) => 2 * i + 2),
        "every row of the shard exactly once, in order",
      );
      assert.deepEqual(
        scored.map((row) => row.lead_id),
        scored.map((row) => `L-${Number(row.row) - 1}`),
      );
    },
  );
  it(
    "SIGTERM stops a run midway and leaves nothing, not even a temporary file",
    { timeout: 120_000 },
    async () => {
      const folder = path.join(root, "terminated");
      const args = ["--input", input, "--output", path.join(folder, "scores.jsonl")];
      const child = startScoreCli(args);
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
      const exited = once(child, "exit");
      await untilWriting(folder, Date.now() + 60_000);
      child.kill("SIGTERM");
      const [code] = (await exited) as [number | null];
      assert.equal(code, 1, stderr);
      assert.match(stderr, /stopped by SIGTERM: nothing was written/);
      assert.deepEqual(await readdir(folder), []);
    },
  );
});

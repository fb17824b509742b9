import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { PACKAGE_ROOT } from "../../src/package-root.js";
import { Registry } from "../../src/registry/registry.js";
import { FileStore } from "../../src/storage/file-store.js";
import { GcsStore } from "../../src/storage/gcs-store.js";
import { builtInVersionDir } from "../support/app.js";
import { startFakeGcs, type FakeGcsStart } from "../support/fake-gcs.js";
import { flipByte, raisePrimaryMetric } from "../support/tamper.js";

interface CliRun {
  /** Node's flags before the CLI's entry point (e.g. a preload). */
  readonly preload?: string[];
  readonly env?: Record<string, string>;
}

/** Runs `lead-scoring registry --registry <registry> <args>` as its own process. */
function registryCli(registry: string, args: string[], run: CliRun = {}) {
  const result = spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      ...(run.preload ?? []),
      path.join(PACKAGE_ROOT, "src", "cli", "main.ts"),
      "registry",
      "--registry",
      registry,
      ...args,
    ],
    { encoding: "utf8", cwd: PACKAGE_ROOT, env: { ...process.env, ...run.env } },
  );
  return { code: result.status, out: result.stdout + result.stderr };
}

/** A "retrained" copy of the built-in version under `root`, claiming a higher ROC-AUC. */
async function betterVersion(root: string): Promise<string> {
  const better = path.join(root, "better");
  await cp(builtInVersionDir(), better, { recursive: true });
  await raisePrimaryMetric(better, 0.01);
  return better;
}

/** The operator's loop, through the real command line: publish → promote-if-better → rollback. */
describe("lead-scoring registry (CLI)", () => {
  let root: string;
  let better: string;
  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), "lead-scoring-cli-"));
    better = await betterVersion(root);
  });
  after(() => rm(root, { recursive: true, force: true }));

  const cli = (...args: string[]) => registryCli(path.join(root, "registry"), args);

  it("prints help", () => {
    const { code, out } = cli("--help");
    assert.equal(code, 0);
    assert.match(out, /publish <dir\|gs:\/\/...>/);
    assert.match(out, /history +every change of the alias/);
  });

  it("promotes the first version, keeps production for an equal one (exit 3), promotes a better one", () => {
    const first = cli("publish", builtInVersionDir(), "--promote-if-better");
    assert.equal(first.code, 0, first.out);
    assert.match(first.out, /promoted 1\.0\.0 to production/);

    const same = cli("publish", builtInVersionDir(), "--promote-if-better");
    assert.equal(same.code, 3, same.out);
    assert.match(same.out, /kept production at 1\.0\.0: not strictly better/);

    const improved = cli("publish", better, "--promote-if-better");
    assert.equal(improved.code, 0, improved.out);
    assert.match(improved.out, /promoted 1\.0\.2 to production: better/);

    const list = cli("list");
    assert.match(list.out, /1\.0\.2 .*@production/);
  });

  it("rolls back in one command", () => {
    const { code, out } = cli("rollback");
    assert.equal(code, 0, out);
    assert.match(out, /production rolled back → 1\.0\.0 \(was 1\.0\.2\)/);
  });

  it("shows a diff of metrics and schema", () => {
    const { code, out } = cli("diff", "1.0.0", "1.0.2");
    assert.equal(code, 0, out);
    assert.match(out, /roc_auc/);
    assert.match(out, /schema: same fields and types/);
  });

  it("records the lineage at publish, and show prints it", () => {
    const published = cli(
      "publish",
      builtInVersionDir(),
      "--run-id",
      "run-42",
      "--git-commit",
      "abc123",
    );
    assert.equal(published.code, 0, published.out);
    const show = cli("show", "1.0.3");
    assert.equal(show.code, 0, show.out);
    const { lineage } = JSON.parse(show.out) as { lineage: Record<string, unknown> };
    assert.equal(lineage.source, builtInVersionDir());
    assert.equal(lineage.training_run_id, "run-42");
    assert.equal(lineage.git_commit, "abc123");
    assert.match(String(lineage.training_data_sha256), /^[0-9a-f]{64}$/);
  });

  it("promotes with who and why, prints the history, and rolls back step by step", () => {
    const promoted = cli("promote", "1.0.3", "--actor", "alice", "--reason", "hotfix");
    assert.equal(promoted.code, 0, promoted.out);
    const back = cli("rollback", "--actor", "bob");
    assert.match(back.out, /production rolled back → 1\.0\.0 \(was 1\.0\.3\)/);
    // The rollback before the promotion already undid 1.0.0 → 1.0.2: nothing is left to undo.
    const further = cli("rollback");
    assert.equal(further.code, 1, further.out);
    assert.match(further.out, /production has no earlier version to roll back to/);

    const { code, out } = cli("history");
    assert.equal(code, 0, out);
    const lines = out.trim().split("\n");
    assert.equal(lines[0], "production → 1.0.0; 5 change(s), oldest first:");
    const moves = lines.slice(1).map((line) => line.replace(/ \S+Z /, " <at> "));
    assert.match(
      moves[0]!,
      /^#0 <at> promote-if-better +unset → 1\.0\.0 .*: no production version yet/,
    );
    assert.match(
      moves[1]!,
      /^#1 <at> promote-if-better +1\.0\.0 → 1\.0\.2 .*\[rolled back by #2\]: better/,
    );
    assert.match(moves[2]!, /^#2 <at> rollback +1\.0\.2 → 1\.0\.0 .*\(undoes #1\)$/);
    assert.match(
      moves[3]!,
      /^#3 <at> promote +1\.0\.0 → 1\.0\.3 +by alice \[rolled back by #4\]: hotfix$/,
    );
    assert.match(moves[4]!, /^#4 <at> rollback +1\.0\.3 → 1\.0\.0 +by bob \(undoes #3\)$/);
    assert.equal(
      cli("history", "--alias", "staging").out.trim(),
      `alias staging of lead-scoring does not exist at ${path.join(root, "registry", "lead-scoring")}`,
    );
  });

  it("refuses to promote a corrupt version with one line naming the file; the alias stays", async () => {
    await flipByte(path.join(root, "registry", "lead-scoring", "1.0.1", "model.onnx"), 200);
    const { code, out } = cli("promote", "1.0.1");
    assert.equal(code, 1, out);
    assert.match(
      out,
      /^error: ARTIFACT_INVALID: refusing to point production at lead-scoring 1\.0\.1; production is unchanged: \S+\/1\.0\.1\/model\.onnx is corrupt/,
    );
    assert.equal(out.trim().split("\n").length, 1);
    assert.match(cli("history").out, /^production → 1\.0\.0; 5 change\(s\)/);
  });

  it("exits 1 with one line for an error and 2 for a usage mistake", () => {
    const missing = cli("promote", "7.7.7");
    assert.equal(missing.code, 1);
    assert.match(
      missing.out,
      /^error: INVALID_INPUT: version 7\.7\.7 of lead-scoring does not exist/,
    );
    assert.doesNotMatch(missing.out, /\n\s+at /, "no stack trace");
    assert.equal(cli("frobnicate").code, 2);
    assert.equal(cli("list", "--colour").code, 2);
  });
});

/**
 * publish --promote-if-better losing a race, through the real command line on disk and on
 * fake-gcs-server: a preload (test/support/rival-promotion.ts) lands another operator's promotion
 * right after the CLI reads the alias, so the CLI decides on a state that is gone by its write.
 */
/** Publish files a version under the name its own metadata.json gives; --model only checks it. */
describe("lead-scoring registry publish of a model not called lead-scoring (CLI)", () => {
  let root: string;
  let acme: string;
  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), "lead-scoring-cli-name-"));
    acme = path.join(root, "acme");
    await cp(builtInVersionDir(), acme, { recursive: true });
    const file = path.join(acme, "metadata.json");
    const metadata = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
    await writeFile(file, JSON.stringify({ ...metadata, name: "acme-leads" }));
  });
  after(() => rm(root, { recursive: true, force: true }));
  const cli = (...args: string[]) => registryCli(path.join(root, "registry"), args);

  it("publishes under the metadata's name without --model", () => {
    const { code, out } = cli("publish", acme);
    assert.equal(code, 0, out);
    assert.equal(
      out.trim(),
      `published acme-leads 1.0.0 to ${path.join(root, "registry", "acme-leads", "1.0.0")}`,
    );
    assert.equal(cli("publish", acme, "--model", "acme-leads").code, 0, "a matching --model");
  });

  it("refuses a --model that differs, saying what --model does; nothing is written", () => {
    const { code, out } = cli("publish", acme, "--model", "lead-scoring");
    assert.equal(code, 1, out);
    assert.match(
      out,
      /^error: INVALID_INPUT: \S+ holds model "acme-leads", not "lead-scoring" \(--model only checks the name; leave it out to publish as "acme-leads"\)\n$/,
    );
    assert.equal(cli("list", "--model", "lead-scoring").out.trim().startsWith("no versions"), true);
  });
});

describe("lead-scoring registry publish --promote-if-better losing a race (CLI)", () => {
  let root: string;
  let better: string;
  let gcs: FakeGcsStart;
  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), "lead-scoring-cli-race-"));
    better = await betterVersion(root);
    gcs = await startFakeGcs();
  });
  after(async () => {
    await gcs.gcs?.stop();
    await rm(root, { recursive: true, force: true });
  });

  /** Each backend: the registry URI the CLI is given, its environment, and the same registry here. */
  const backends = {
    disk: () => {
      const dir = path.join(root, "registry");
      return { uri: dir, env: {}, registry: new Registry(new FileStore(dir), "lead-scoring") };
    },
    "fake-gcs-server": async () => {
      const emulator = gcs.gcs;
      if (emulator === undefined) return undefined;
      await emulator.createBucket("cli-race");
      const store = new GcsStore({
        bucket: "cli-race",
        prefix: "models",
        apiEndpoint: emulator.endpoint,
      });
      return {
        uri: "gs://cli-race/models",
        env: { STORAGE_EMULATOR_HOST: emulator.endpoint },
        registry: new Registry(store, "lead-scoring"),
      };
    },
  };

  for (const [name, open] of Object.entries(backends)) {
    it(`${name}: exits 4 with "not promoted", and the rival's promotion stands`, async (t) => {
      const backend = await open();
      if (backend === undefined) return t.skip(gcs.skipReason ?? "backend unavailable");
      const { registry } = backend;
      await registry.publish(new FileStore(builtInVersionDir())); // 1.0.0, production
      await registry.publish(new FileStore(builtInVersionDir())); // 1.0.1, the rival's
      await registry.promote("1.0.0", "production");

      const { code, out } = registryCli(backend.uri, ["publish", better, "--promote-if-better"], {
        preload: ["--import", path.join(PACKAGE_ROOT, "test", "support", "rival-promotion.ts")],
        env: { ...backend.env, RIVAL_PROMOTES: "1.0.1" },
      });

      assert.equal(code, 4, out);
      assert.match(out, /published lead-scoring 1\.0\.2 /);
      assert.match(
        out,
        /not promoted: production changed while deciding \(it now names 1\.0\.1\); 1\.0\.2 stays published, nothing else changed/,
      );
      const state = await registry.alias("production");
      assert.deepEqual(
        [state?.record.version, state?.record.set_by, state?.record.previous],
        ["1.0.1", "rival", "1.0.0"],
      );
      assert.deepEqual(await registry.versions(), ["1.0.0", "1.0.1", "1.0.2"]);
    });
  }
});

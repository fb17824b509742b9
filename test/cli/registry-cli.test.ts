import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { PACKAGE_ROOT } from "../../src/package-root.js";
import { builtInVersionDir } from "../support/app.js";

/** The operator's loop, through the real command line: publish → promote-if-better → rollback. */
describe("lead-scoring registry (CLI)", () => {
  let root: string;
  let better: string;
  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), "lead-scoring-cli-"));
    // A "retrained" model claiming a higher ROC-AUC (metadata.json is not in its own digests).
    better = path.join(root, "better");
    await cp(builtInVersionDir(), better, { recursive: true });
    const metadataPath = path.join(better, "metadata.json");
    const metadata = JSON.parse(await readFile(metadataPath, "utf8")) as {
      primary_metric: { value: number };
    };
    metadata.primary_metric.value += 0.01;
    await writeFile(metadataPath, JSON.stringify(metadata));
  });
  after(() => rm(root, { recursive: true, force: true }));

  const cli = (...args: string[]) => {
    const result = spawnSync(
      process.execPath,
      [
        "--import",
        "tsx",
        path.join(PACKAGE_ROOT, "src", "cli", "main.ts"),
        "registry",
        "--registry",
        path.join(root, "registry"),
        ...args,
      ],
      { encoding: "utf8", cwd: PACKAGE_ROOT },
    );
    return { code: result.status, out: result.stdout + result.stderr };
  };

  it("prints help", () => {
    const { code, out } = cli("--help");
    assert.equal(code, 0);
    assert.match(out, /publish <dir>/);
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

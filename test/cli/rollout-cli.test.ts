import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { PACKAGE_ROOT } from "../../src/package-root.js";
import { Registry } from "../../src/registry/registry.js";
import { FileStore } from "../../src/storage/file-store.js";
import { builtInVersionDir } from "../support/app.js";

/** Runs `lead-scoring registry --registry <registry> <args>` as its own process. */
function cli(registry: string, ...args: string[]) {
  const result = spawnSync(
    process.execPath,
    ["--import", "tsx", path.join(PACKAGE_ROOT, "src", "cli", "main.ts"), "registry"].concat(
      ["--registry", registry, "--actor", "ana"],
      args,
    ),
    { encoding: "utf8", cwd: PACKAGE_ROOT },
  );
  return { code: result.status, out: result.stdout + result.stderr };
}

describe("lead-scoring registry rollout (CLI)", () => {
  let root: string;
  let registry: string;
  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), "lead-scoring-rollout-cli-"));
    registry = path.join(root, "registry");
    const models = new Registry(new FileStore(registry), "lead-scoring");
    await models.publish(new FileStore(builtInVersionDir()));
    await models.publish(new FileStore(builtInVersionDir()));
    await models.promote("1.0.0", "production");
  });
  after(() => rm(root, { recursive: true, force: true }));

  it("rejects a share outside 0..100 and an unknown version with a clear message", () => {
    const share = cli(registry, "rollout", "start", "1.0.1", "--mode", "canary", "--share", "150");
    assert.equal(share.code, 1, share.out);
    assert.match(share.out, /error: INVALID_INPUT: share must be a number from 0 to 100.*150/);
    const text = cli(registry, "rollout", "start", "1.0.1", "--share", "half");
    assert.match(text.out, /--share must be a number, got "half"/);
    const unknown = cli(registry, "rollout", "start", "3.0.0");
    assert.equal(unknown.code, 1);
    assert.match(unknown.out, /version 3\.0\.0 of lead-scoring does not exist/);
    const mode = cli(registry, "rollout", "start", "1.0.1", "--mode", "blue-green");
    assert.match(mode.out, /--mode must be shadow or canary, got "blue-green"/);
  });

  it("walks a rollout: start in shadow, canary at 50 %, status, promote", () => {
    const start = cli(registry, "rollout", "start", "1.0.1", "--max-p99-ms", "20");
    assert.equal(start.code, 0, start.out);
    assert.match(start.out, /rollout of 1\.0\.1 started: shadow, sampling 1, active/);
    assert.match(cli(registry, "rollout", "set-share", "50").out, /canary, 50 % of requests/);
    const status = cli(registry, "rollout", "status");
    assert.match(status.out, /candidate +1\.0\.1 against @production/);
    assert.match(status.out, /p99 ≤ 20 ms/);
    assert.match(status.out, /set-share +ana +share 50 %/);
    const promote = cli(registry, "--reason", "rollout", "rollout", "promote");
    assert.equal(promote.code, 0, promote.out);
    assert.match(promote.out, /production → 1\.0\.1 \(was 1\.0\.0\); rollout closed/);
    assert.match(cli(registry, "history").out, /1\.0\.0 → 1\.0\.1.*rollout/s);
    assert.match(cli(registry, "rollout", "abort").out, /no rollout is in progress/);
  });
});

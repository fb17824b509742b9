import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import path from "node:path";
import { describe, it } from "node:test";
import { PACKAGE_ROOT } from "../../src/package-root.js";
import { ApiKeys } from "../../src/protocols/auth/api-keys.js";
import { parseKeysFile } from "../../src/protocols/auth/keys-file.js";

function keysCli(args: string[], input: string) {
  const result = spawnSync(
    process.execPath,
    ["--import", "tsx", path.join(PACKAGE_ROOT, "src", "cli", "main.ts"), "keys", ...args],
    { encoding: "utf8", cwd: PACKAGE_ROOT, input },
  );
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("lead-scoring keys hash", () => {
  it("prints the sha256 of the key on stdin, without its trailing newline", () => {
    const { code, stdout } = keysCli(["hash"], "sk-live-123\n");
    assert.equal(code, 0);
    assert.equal(stdout.trim(), createHash("sha256").update("sk-live-123").digest("hex"));
  });

  it("prints an entry the keys file accepts, and the service then knows the key", () => {
    const { code, stdout } = keysCli(
      ["hash", "--name", "crm", "--scopes", "predict,explain"],
      "k1",
    );
    assert.equal(code, 0);
    const file = `keys:\n${stdout}`;
    const keys = new ApiKeys(parseKeysFile(file, "keys.yaml"));
    assert.deepEqual([...(keys.lookup("k1")?.scopes ?? [])], ["predict", "explain"]);
  });

  it("refuses an empty key or an unknown scope (exit 2)", () => {
    assert.equal(keysCli(["hash"], "").code, 2);
    const bad = keysCli(["hash", "--name", "crm", "--scopes", "write"], "k1");
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown scope "write"/);
  });
});

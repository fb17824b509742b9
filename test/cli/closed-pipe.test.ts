import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { describe, it } from "node:test";
import { PACKAGE_ROOT } from "../../src/package-root.js";

/** Runs the CLI with its stdout read end closed at once, as `lead-scoring … | head -0` does. */
async function withClosedStdout(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", path.join(PACKAGE_ROOT, "src", "cli", "main.ts"), ...args],
    { cwd: PACKAGE_ROOT, stdio: ["ignore", "pipe", "pipe"] },
  );
  child.stdout.destroy();
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, stderr };
}

describe("lead-scoring with a reader that went away", () => {
  it("does not crash on EPIPE and keeps the command's own exit code", async () => {
    const help = await withClosedStdout(["--help"]);
    assert.deepEqual(help, { code: 0, stderr: "" });
    // Usage without a command: exit 2 as ever, printed help or not.
    const usage = await withClosedStdout([]);
    assert.deepEqual(usage, { code: 2, stderr: "" });
  });
});

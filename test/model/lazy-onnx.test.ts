import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import { PACKAGE_ROOT } from "../../src/package-root.js";

const run = promisify(execFile);

/**
 * A fresh process loads the built-in model with SCORER=`scorer` and reports whether ONNX Runtime's
 * native library is mapped into it (Linux: /proc/self/maps).
 */
async function onnxRuntimeLoaded(scorer: string): Promise<boolean> {
  const script = `
    import { readFileSync } from "node:fs";
    import { loadPinnedModel } from "./src/lifecycle/pinned-source.ts";
    import { BUILT_IN_MODEL_URI } from "./src/config.ts";
    const model = await loadPinnedModel(BUILT_IN_MODEL_URI, { threads: 1, scorer: "${scorer}" });
    const mapped = readFileSync("/proc/self/maps", "utf8").includes("onnxruntime");
    console.log(JSON.stringify({ scorer: model.scorerKind, mapped }));`;
  const { stdout } = await run(
    process.execPath,
    ["--import", "tsx", "--input-type=module", "-e", script],
    { cwd: PACKAGE_ROOT },
  );
  const result = JSON.parse(stdout) as { scorer: string; mapped: boolean };
  assert.equal(result.scorer, scorer);
  return result.mapped;
}

describe(
  "ONNX Runtime is loaded only when it scores",
  { skip: process.platform !== "linux" },
  () => {
    it("is never loaded while the compiled trees serve", async () => {
      assert.equal(await onnxRuntimeLoaded("trees"), false);
    });

    it("is loaded with SCORER=onnx (the check can see it)", async () => {
      assert.equal(await onnxRuntimeLoaded("onnx"), true);
    });
  },
);

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import { PACKAGE_ROOT } from "../../src/package-root.js";

const CLIENT = path.join(PACKAGE_ROOT, "clients", "typescript");

describe("TypeScript client types", () => {
  it("clients/typescript/src/schema.d.ts is generated from the committed openapi.yaml (npm run openapi)", async () => {
    const scratch = await mkdtemp(path.join(tmpdir(), "client-schema-"));
    try {
      const fresh = path.join(scratch, "schema.d.ts");
      // The same command as `npm run client:generate`, writing elsewhere.
      await promisify(execFile)(
        process.execPath,
        [
          path.join(PACKAGE_ROOT, "node_modules", "openapi-typescript", "bin", "cli.js"),
          path.join(PACKAGE_ROOT, "openapi.yaml"),
          "--output",
          fresh,
        ],
        { cwd: CLIENT },
      );
      assert.equal(
        await readFile(path.join(CLIENT, "src", "schema.d.ts"), "utf8"),
        await readFile(fresh, "utf8"),
        "clients/typescript/src/schema.d.ts is stale: run `npm run openapi` (or `npm run client:generate`)",
      );
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });
});

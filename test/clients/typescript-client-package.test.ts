import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { PACKAGE_ROOT } from "../../src/package-root.js";

const run = promisify(execFile);
const CLIENT = path.join(PACKAGE_ROOT, "clients", "typescript");

interface Manifest {
  exports: { ".": { types: string; default: string } };
}

describe("TypeScript client package", () => {
  it("builds to dist/ (ESM + .d.ts) and packs exactly its exports, the types and the README", async () => {
    // The package's own build script: its tsconfig (browser and Node types), then schema.d.ts.
    await run("npm", ["run", "--silent", "build"], { cwd: CLIENT });
    const { stdout } = await run("npm", ["pack", "--dry-run", "--json", "--silent"], {
      cwd: CLIENT,
    });
    const [packed] = JSON.parse(stdout) as [{ files: { path: string }[] }];
    const files = packed.files.map((file) => file.path).sort();
    const manifest = JSON.parse(
      await readFile(path.join(CLIENT, "package.json"), "utf8"),
    ) as Manifest;
    const { types, default: entry } = manifest.exports["."];
    for (const wanted of [types, entry, "./dist/schema.d.ts", "./README.md"]) {
      assert.ok(
        files.includes(wanted.replace(/^\.\//, "")),
        `${wanted} packed; files: ${files.join(" ")}`,
      );
    }
    assert.deepEqual(
      files.filter(
        (file) => !file.startsWith("dist/") && !["README.md", "package.json"].includes(file),
      ),
      [],
      "nothing but dist/, the README and the manifest",
    );
    const built = (await import(pathToFileURL(path.join(CLIENT, entry)).href)) as Record<
      string,
      unknown
    >;
    assert.equal(typeof built.createClient, "function");
    assert.equal(typeof built.LeadScoringError, "function");
  });
});

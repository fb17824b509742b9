import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { it } from "node:test";
import { assembleTreeWalk, TREE_WALK_WASM } from "../../scripts/tree-walk-wasm.js";

it("the committed tree-walk.wasm is tree-walk.wat assembled (npx tsx scripts/write-tree-walk-wasm.ts)", async () => {
  const committed = readFileSync(TREE_WALK_WASM);
  const assembled = Buffer.from(await assembleTreeWalk());
  assert.ok(
    committed.equals(assembled),
    "src/model/tree-walk.wasm differs from src/model/tree-walk.wat: " +
      "npx tsx scripts/write-tree-walk-wasm.ts",
  );
});

import { writeFile } from "node:fs/promises";
import { assembleTreeWalk, TREE_WALK_WASM } from "./tree-walk-wasm.js";

await writeFile(TREE_WALK_WASM, await assembleTreeWalk());
console.log(`wrote ${TREE_WALK_WASM}`);

import { readFile } from "node:fs/promises";
import path from "node:path";
import wabt from "wabt";
import { PACKAGE_ROOT } from "../src/package-root.js";

export const TREE_WALK_WAT = path.join(PACKAGE_ROOT, "src", "model", "tree-walk.wat");
export const TREE_WALK_WASM = path.join(PACKAGE_ROOT, "src", "model", "tree-walk.wasm");

/** src/model/tree-walk.wat assembled by wabt, without names: the bytes the service loads. */
export async function assembleTreeWalk(): Promise<Uint8Array> {
  const module = (await wabt()).parseWat(TREE_WALK_WAT, await readFile(TREE_WALK_WAT, "utf8"));
  try {
    module.validate();
    return module.toBinary({ write_debug_names: false }).buffer;
  } finally {
    module.destroy();
  }
}

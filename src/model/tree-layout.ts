import { ArtifactError } from "../errors.js";
import type { XGBoostTree } from "./explain/xgboost-json.js";

/** Bytes of one node record and of one tree entry (src/model/tree-walk.wat documents both). */
export const RECORD_BYTES = 16;
export const TREE_ENTRY_BYTES = 8;

/**
 * XGBoost's trees as the records the branchless walk reads (tree-walk.wat), written once at
 * load. Per tree, nodes are renumbered breadth first so that a node's right child is the record
 * after its left child; then a step is `next = left + goRight`, without a branch.
 *
 * Record (RECORD_BYTES, little-endian as WebAssembly reads it):
 *   +0 i32 byte offset of the left child's record | 1 when missing goes right (default_left 0);
 *          a leaf points to itself with the bit clear
 *   +4 i32 feature index * 4 (0 at a leaf)
 *   +8 f32 split threshold (NaN at a leaf: `x >= NaN` is false, so a step at a leaf stays)
 *   +12 f32 leaf value (0 at an inner node)
 * Tree entry (TREE_ENTRY_BYTES): +0 i32 byte offset of the root record, +4 i32 steps, the tree's
 * depth but at least 1 (the kernel's step loop runs once before it tests).
 */
export interface TreeLayout {
  /** The node records followed by the tree entries, starting at byte 0 of the walk's memory. */
  readonly bytes: Uint8Array;
  /** Byte offset of the first tree entry. */
  readonly treesAt: number;
  readonly treeCount: number;
}

/** Lays out the trees; refuses any that could make the walk read outside a row or loop. */
export function layoutTrees(trees: readonly XGBoostTree[], width: number): TreeLayout {
  if (trees.length === 0) throw new ArtifactError("xgboost.json: the model has no trees");
  trees.forEach((tree, t) => checkAcyclic(tree, t));
  const orders = trees.map((tree, t) => breadthFirst(tree, t));
  const nodeCount = orders.reduce((sum, order) => sum + order.nodes.length, 0);
  const treesAt = nodeCount * RECORD_BYTES;
  const bytes = new Uint8Array(treesAt + trees.length * TREE_ENTRY_BYTES);
  const view = new DataView(bytes.buffer);
  let first = 0;
  trees.forEach((tree, t) => {
    const { nodes, position, depth } = orders[t]!;
    nodes.forEach((node, i) => {
      const at = (first + i) * RECORD_BYTES;
      const left = tree.left_children[node]!;
      if (left < 0) {
        view.setInt32(at, at, true);
        view.setFloat32(at + 8, NaN, true);
        view.setFloat32(at + 12, tree.split_conditions[node]!, true);
        return;
      }
      const feature = tree.split_indices[node]!;
      if (feature >= width) {
        throw new ArtifactError(`xgboost.json: tree ${t}, node ${node}: feature past num_feature`);
      }
      const missingGoesRight = Number(tree.default_left[node]!) === 1 ? 0 : 1;
      view.setInt32(at, ((first + position[left]!) * RECORD_BYTES) | missingGoesRight, true);
      view.setInt32(at + 4, feature * 4, true);
      view.setFloat32(at + 8, tree.split_conditions[node]!, true);
    });
    const entry = treesAt + t * TREE_ENTRY_BYTES;
    view.setInt32(entry, first * RECORD_BYTES, true);
    view.setInt32(entry + 4, Math.max(1, depth), true);
    first += nodes.length;
  });
  return { bytes, treesAt, treeCount: trees.length };
}

interface BreadthFirst {
  /** XGBoost node ids in the new order. */
  readonly nodes: readonly number[];
  /** XGBoost node id → its index in `nodes` (unreachable nodes: undefined). */
  readonly position: readonly (number | undefined)[];
  /** The longest root-to-leaf path, in steps. */
  readonly depth: number;
}

/** Breadth-first order in which a node's two children are adjacent, left first. */
function breadthFirst(tree: XGBoostTree, t: number): BreadthFirst {
  const nodes = [0];
  const position: (number | undefined)[] = [0];
  const depthOf = [0];
  let depth = 0;
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i]!;
    const left = tree.left_children[node]!;
    if (left < 0) {
      depth = Math.max(depth, depthOf[i]!);
      continue;
    }
    for (const child of [left, tree.right_children[node]!]) {
      // checkAcyclic leaves a node with two parents possible; the walk needs a tree.
      if (position[child] !== undefined) {
        throw new ArtifactError(`xgboost.json: tree ${t}, node ${child} has two parents`);
      }
      position[child] = nodes.length;
      nodes.push(child);
      depthOf.push(depthOf[i]! + 1);
    }
  }
  return { nodes, position, depth };
}

/**
 * Children always point forward within their tree in what XGBoost writes; anything else could
 * loop forever at load (the breadth-first order) or send a walk elsewhere, so it is refused.
 */
function checkAcyclic(tree: XGBoostTree, t: number): void {
  const end = tree.left_children.length;
  for (let node = 0; node < end; node++) {
    const left = tree.left_children[node]!;
    if (left < 0) continue;
    const right = tree.right_children[node]!;
    if (left <= node || right <= node || left >= end || right >= end) {
      throw new ArtifactError(
        `xgboost.json: tree ${t}, node ${node}: children must come after ` +
          `their parent in the same tree`,
      );
    }
  }
}

import { ShapPath } from "./shap-path.js";
import type { TreeEnsemble } from "./tree-ensemble.js";

/** Longest per-leaf feature set a table is built for (2^u rows of u values each). */
const MAX_LEAF_FEATURES = 16;

interface LeafPath {
  readonly nodes: number[];
  readonly wentLeft: boolean[];
}

/**
 * TreeSHAP with the per-leaf work done at load (the idea of Fast TreeSHAP v2, Yang 2021).
 * In Algorithm 2, what a leaf adds to each feature on its path depends on the row only through
 * which of the path's u distinct features the row agrees with (x follows the path at every split
 * on that feature): 2^u cases. Each case's u contributions are computed once, with the same path
 * arithmetic as Algorithm 2, and a row then costs one routing pass over the nodes plus a lookup per
 * leaf — about ten times faster than the recursion for depth-6 trees, at 2^u·u doubles per leaf.
 */
export class LeafTables {
  private constructor(
    private readonly ensemble: TreeEnsemble,
    private readonly pathStart: Int32Array,
    private readonly pathNode: Int32Array,
    private readonly pathLeft: Uint8Array,
    private readonly pathSlot: Uint8Array,
    private readonly slotStart: Int32Array,
    private readonly slotFeature: Int32Array,
    private readonly tableStart: Int32Array,
    private readonly table: Float64Array,
    /** Per node: 1 when the row in progress goes left there. Reused by every call. */
    private readonly goesLeft: Uint8Array,
  ) {}

  /** Builds the tables, or undefined when they would exceed `budget` doubles. */
  static build(ensemble: TreeEnsemble, budget: number): LeafTables | undefined {
    const leaves = Array.from(ensemble.roots).flatMap((root) => leafPaths(ensemble, root));
    const slotsOf = leaves.map((leaf) => slots(ensemble, leaf));
    let size = 0;
    for (const { features } of slotsOf) {
      if (features.length > MAX_LEAF_FEATURES) return undefined;
      size += 2 ** features.length * features.length;
    }
    if (size > budget) return undefined;

    const pathCount = leaves.reduce((sum, leaf) => sum + leaf.nodes.length - 1, 0);
    const slotCount = slotsOf.reduce((sum, s) => sum + s.features.length, 0);
    const pathStart = new Int32Array(leaves.length + 1);
    const pathNode = new Int32Array(pathCount);
    const pathLeft = new Uint8Array(pathCount);
    const pathSlot = new Uint8Array(pathCount);
    const slotStart = new Int32Array(leaves.length + 1);
    const slotFeature = new Int32Array(slotCount);
    const tableStart = new Int32Array(leaves.length);
    const table = new Float64Array(size);
    const path = new ShapPath(MAX_LEAF_FEATURES + 2);

    let p = 0;
    let s = 0;
    let t = 0;
    leaves.forEach((leaf, l) => {
      const { features, zeros, slotOfSplit } = slotsOf[l]!;
      pathStart[l] = p;
      for (let k = 0; k < leaf.nodes.length - 1; k++, p++) {
        pathNode[p] = leaf.nodes[k]!;
        pathLeft[p] = leaf.wentLeft[k] ? 1 : 0;
        pathSlot[p] = slotOfSplit[k]!;
      }
      slotStart[l] = s;
      slotFeature.set(features, s);
      s += features.length;
      tableStart[l] = t;
      t += fillTable(path, features, zeros, ensemble.leafValue[leaf.nodes.at(-1)!]!, table, t);
    });
    pathStart[leaves.length] = p;
    slotStart[leaves.length] = s;
    return new LeafTables(
      ensemble,
      pathStart,
      pathNode,
      pathLeft,
      pathSlot,
      slotStart,
      slotFeature,
      tableStart,
      table,
      new Uint8Array(ensemble.left.length),
    );
  }

  /** Adds the row's SHAP values to `out[0 .. width)`. */
  add(features: Float32Array, offset: number, out: Float64Array): void {
    const { left, feature } = this.ensemble;
    for (let node = 0; node < left.length; node++) {
      const child = left[node]!;
      if (child >= 0) {
        this.goesLeft[node] =
          this.ensemble.next(node, features[offset + feature[node]!]!) === child ? 1 : 0;
      }
    }
    const leaves = this.tableStart.length;
    for (let leaf = 0; leaf < leaves; leaf++) {
      const first = this.slotStart[leaf]!;
      const u = this.slotStart[leaf + 1]! - first;
      let agree = (1 << u) - 1;
      for (let k = this.pathStart[leaf]!; k < this.pathStart[leaf + 1]!; k++) {
        if (this.goesLeft[this.pathNode[k]!] !== this.pathLeft[k])
          agree &= ~(1 << this.pathSlot[k]!);
      }
      const row = this.tableStart[leaf]! + agree * u;
      for (let j = 0; j < u; j++) out[this.slotFeature[first + j]!]! += this.table[row + j]!;
    }
  }
}

/** Root-to-leaf node lists (leaf last) with the direction taken at each split. */
function leafPaths(ensemble: TreeEnsemble, root: number): LeafPath[] {
  const paths: LeafPath[] = [];
  const walk = (node: number, nodes: number[], wentLeft: boolean[]): void => {
    const left = ensemble.left[node]!;
    if (left < 0) {
      paths.push({ nodes: [...nodes, node], wentLeft });
      return;
    }
    walk(left, [...nodes, node], [...wentLeft, true]);
    walk(ensemble.right[node]!, [...nodes, node], [...wentLeft, false]);
  };
  walk(root, [], []);
  return paths;
}

/**
 * The distinct features on a leaf's path, each with its zero fraction (the share of training cover
 * that follows the path at all its splits, as Algorithm 2 merges repeated features), and each
 * split's slot.
 */
function slots(
  ensemble: TreeEnsemble,
  leaf: LeafPath,
): { features: number[]; zeros: number[]; slotOfSplit: number[] } {
  const features: number[] = [];
  const zeros: number[] = [];
  const slotOfSplit: number[] = [];
  for (let k = 0; k < leaf.nodes.length - 1; k++) {
    const node = leaf.nodes[k]!;
    const child = leaf.nodes[k + 1]!;
    const fraction = ensemble.cover[child]! / ensemble.cover[node]!;
    const f = ensemble.feature[node]!;
    let slot = features.indexOf(f);
    if (slot < 0) {
      slot = features.push(f) - 1;
      zeros.push(1);
    }
    zeros[slot]! *= fraction;
    slotOfSplit.push(slot);
  }
  return { features, zeros, slotOfSplit };
}

/** Writes the 2^u × u contributions of one leaf at `table[at..]`; returns how many it wrote. */
function fillTable(
  path: ShapPath,
  features: readonly number[],
  zeros: readonly number[],
  value: number,
  table: Float64Array,
  at: number,
): number {
  const u = features.length;
  for (let agree = 0; agree < 1 << u; agree++) {
    path.extend(0, 0, 1, 1, -1);
    for (let j = 0; j < u; j++) path.extend(0, j + 1, zeros[j]!, (agree >> j) & 1, features[j]!);
    for (let j = 0; j < u; j++) {
      const w = path.unwoundSum(0, u, j + 1);
      table[at + agree * u + j] = w * (((agree >> j) & 1) - zeros[j]!) * value;
    }
  }
  return (1 << u) * u;
}

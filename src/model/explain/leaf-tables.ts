import { ShapPath } from "./shap-path.js";
import type { TreeEnsemble } from "./tree-ensemble.js";

/** Longest per-leaf feature set a table is built for (2^u rows of u values each). */
const MAX_LEAF_FEATURES = 16;

/** A leaf as the tables see it: the distinct features on its path and their zero fractions. */
interface Leaf {
  readonly features: readonly number[];
  readonly zeros: readonly number[];
  readonly value: number;
}

/** Every node of every tree in preorder, as the per-row pass walks them. */
interface Preorder {
  readonly parent: number[];
  readonly edgeLeft: number[];
  readonly keep: number[];
  readonly feature: number[];
  readonly threshold: number[];
  readonly defaultLeft: number[];
  readonly leafOf: number[];
  readonly leaves: Leaf[];
}

/**
 * TreeSHAP with the per-leaf work done at load (the idea of Fast TreeSHAP v2, Yang 2021).
 * In Algorithm 2, what a leaf adds to each feature on its path depends on the row only through
 * which of the path's u distinct features the row agrees with (x follows the path at every split
 * on that feature): 2^u cases. Each case's u contributions are computed once, with the same path
 * arithmetic as Algorithm 2, at 2^u·u doubles per leaf.
 *
 * A row is then one pass over all nodes in preorder: a feature's slot is its order of first
 * appearance on the path, so it is fixed per edge, and the agreement mask of a node is its
 * parent's, with the edge's bit cleared when the row goes the other way. At a leaf, the mask picks
 * the table row to add.
 */
export class LeafTables {
  private constructor(
    private readonly parent: Int32Array,
    private readonly edgeLeft: Uint8Array,
    /** AND-mask clearing the slot bit of the parent's feature (the row disagrees with the edge). */
    private readonly keep: Int32Array,
    private readonly feature: Int32Array,
    private readonly threshold: Float32Array,
    private readonly defaultLeft: Uint8Array,
    /** Leaf number at a preorder position, -1 for a split. */
    private readonly leafOf: Int32Array,
    private readonly slotStart: Int32Array,
    private readonly slotFeature: Int32Array,
    private readonly tableStart: Int32Array,
    private readonly table: Float64Array,
    // Per-row scratch, reused by every call: direction taken at each split, and each node's mask.
    private readonly goesLeft: Uint8Array,
    private readonly mask: Int32Array,
  ) {}

  /** Builds the tables, or undefined when they would exceed `budget` doubles. */
  static build(ensemble: TreeEnsemble, budget: number): LeafTables | undefined {
    const order = preorder(ensemble);
    let size = 0;
    for (const { features } of order.leaves) {
      if (features.length > MAX_LEAF_FEATURES) return undefined;
      size += 2 ** features.length * features.length;
    }
    if (size > budget) return undefined;

    const leafCount = order.leaves.length;
    const slotStart = new Int32Array(leafCount + 1);
    const slotFeature = new Int32Array(
      order.leaves.reduce((sum, leaf) => sum + leaf.features.length, 0),
    );
    const tableStart = new Int32Array(leafCount);
    const table = new Float64Array(size);
    const path = new ShapPath(MAX_LEAF_FEATURES + 2);
    let slot = 0;
    let at = 0;
    order.leaves.forEach((leaf, l) => {
      slotStart[l] = slot;
      slotFeature.set(leaf.features, slot);
      slot += leaf.features.length;
      tableStart[l] = at;
      at += fillTable(path, leaf, table, at);
    });
    slotStart[leafCount] = slot;
    const nodes = order.parent.length;
    return new LeafTables(
      Int32Array.from(order.parent),
      Uint8Array.from(order.edgeLeft),
      Int32Array.from(order.keep),
      Int32Array.from(order.feature),
      Float32Array.from(order.threshold),
      Uint8Array.from(order.defaultLeft),
      Int32Array.from(order.leafOf),
      slotStart,
      slotFeature,
      tableStart,
      table,
      new Uint8Array(nodes),
      new Int32Array(nodes),
    );
  }

  /** Adds the row's SHAP values to `out[0 .. width)`. */
  add(features: Float32Array, offset: number, out: Float64Array): void {
    // Locals, not fields, in the hot loop: V8 then keeps the typed arrays in registers.
    const { parent, edgeLeft, keep, feature, threshold, defaultLeft, leafOf } = this;
    const { slotStart, slotFeature, tableStart, table, goesLeft, mask } = this;
    for (let i = 0; i < parent.length; i++) {
      const p = parent[i]!;
      let m = -1;
      if (p >= 0) {
        m = mask[p]!;
        if (goesLeft[p] !== edgeLeft[i]) m &= keep[i]!;
      }
      const leaf = leafOf[i]!;
      if (leaf < 0) {
        const x = features[offset + feature[i]!]!;
        // Routing as TreeEnsemble.next: left iff x < split; NaN (missing) follows default_left.
        goesLeft[i] = x < threshold[i]! || (x !== x && defaultLeft[i] === 1) ? 1 : 0;
        mask[i] = m;
        continue;
      }
      const first = slotStart[leaf]!;
      const u = slotStart[leaf + 1]! - first;
      const row = tableStart[leaf]! + (m & ((1 << u) - 1)) * u;
      for (let j = 0; j < u; j++) out[slotFeature[first + j]!]! += table[row + j]!;
    }
  }
}

/** Flattens every tree into preorder, with each edge's slot and each leaf's path features. */
function preorder(ensemble: TreeEnsemble): Preorder {
  const order: Preorder = {
    parent: [],
    edgeLeft: [],
    keep: [],
    feature: [],
    threshold: [],
    defaultLeft: [],
    leafOf: [],
    leaves: [],
  };
  const visit = (
    node: number,
    parent: number,
    isLeft: boolean,
    keep: number,
    features: readonly number[],
    zeros: readonly number[],
  ): void => {
    const at = order.parent.length;
    order.parent.push(parent);
    order.edgeLeft.push(isLeft ? 1 : 0);
    order.keep.push(keep);
    const left = ensemble.left[node]!;
    if (left < 0) {
      order.feature.push(0);
      order.threshold.push(0);
      order.defaultLeft.push(0);
      order.leafOf.push(order.leaves.length);
      order.leaves.push({ features, zeros, value: ensemble.leafValue[node]! });
      return;
    }
    const feature = ensemble.feature[node]!;
    order.feature.push(feature);
    order.threshold.push(ensemble.threshold[node]!);
    order.defaultLeft.push(ensemble.defaultLeft[node]!);
    order.leafOf.push(-1);
    // Algorithm 2 merges a repeated feature into one path element: its zero fractions multiply.
    let slot = features.indexOf(feature);
    const childFeatures = slot < 0 ? [...features, feature] : features;
    if (slot < 0) slot = features.length;
    for (const [child, childIsLeft] of [
      [left, true],
      [ensemble.right[node]!, false],
    ] as const) {
      const childZeros = [...zeros, 1].slice(0, childFeatures.length);
      childZeros[slot]! *= ensemble.cover[child]! / ensemble.cover[node]!;
      visit(child, at, childIsLeft, ~(1 << slot), childFeatures, childZeros);
    }
  };
  for (const root of ensemble.roots) visit(root, -1, false, -1, [], []);
  return order;
}

/** Writes the 2^u × u contributions of one leaf at `table[at..]`; returns how many it wrote. */
function fillTable(path: ShapPath, leaf: Leaf, table: Float64Array, at: number): number {
  const { features, zeros, value } = leaf;
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

import { ShapPath } from "./shap-path.js";
import type { TreeEnsemble } from "./tree-ensemble.js";

/** Longest per-leaf feature set a table is built for (2^(u+1) rows of u values each). */
const MAX_LEAF_FEATURES = 16;

/** A leaf as the tables see it: the distinct features on its path and their zero fractions. */
interface Leaf {
  readonly features: readonly number[];
  readonly zeros: readonly number[];
  readonly value: number;
}

/**
 * Every split of every tree in preorder, as the per-row pass walks them. Leaves are not walked:
 * each hangs off its parent split (`leftLeaf`/`rightLeaf`), whose table covers both children.
 */
interface Preorder {
  readonly parent: number[];
  readonly edgeLeft: number[];
  readonly keep: number[];
  readonly feature: number[];
  readonly threshold: number[];
  readonly defaultLeft: number[];
  /** The distinct features on the path down to and including this split. */
  readonly features: (readonly number[])[];
  /** Slot of this split's feature among `features`. */
  readonly slot: number[];
  readonly leftLeaf: (Leaf | undefined)[];
  readonly rightLeaf: (Leaf | undefined)[];
}

/**
 * Exact TreeSHAP with the per-leaf work done at load: Fast TreeSHAP v2 (Jilei Yang, "Fast
 * TreeSHAP: Accelerating SHAP Value Computation for Trees", 2021, arXiv:2109.09847).
 *
 * Why v2: our models are 100 trees of depth ≤ 6, where v2's O(L·2^D) memory is a few MB and its
 * per-row cost, O(L·D) additions, is the least of the exact methods. Linear TreeSHAP (Yu et al.
 * 2022, arXiv:2209.08192) has the same O(L·D) per row but does polynomial arithmetic per leaf
 * where v2 only looks values up; GPUTreeShap's formulation pays off on a GPU, not on one core.
 *
 * In Algorithm 2 (Lundberg et al. 2018), what a leaf adds to each feature on its path depends on
 * the row only through which of the path's u distinct features the row agrees with (x follows
 * the path at every split on that feature): 2^u cases, each computed once at load with Algorithm
 * 2's own path arithmetic (ShapPath). Refinements over the paper, all for the per-row pass, which
 * is bound by memory and branch mispredictions rather than arithmetic:
 * - A split's leaf children share its u features, so their tables are summed into one table per
 *   split, indexed by the split's agreement mask and the row's direction there: one lookup (one
 *   cache line) instead of two, at the same size.
 * - Table values are float32 (summed in doubles at load, accumulated in doubles per row): half
 *   the cache footprint, at a rounding error of ~1e-8 per lead, far inside the 1e-5 the golden
 *   check allows (XGBoost's own TreeSHAP computes in float32).
 * - A row is two flat loops: route (every split's direction and agreement mask, branch-free but
 *   for missing values), then look up (grouped by u, so the innermost loop's length is the same
 *   from one lookup to the next and its exit branch is predicted).
 * Work shared by a batch: the tables (built once at load, for every row of every request); per
 * row, each split's mask is computed once and serves both its leaf children.
 *
 * A feature's slot is its order of first appearance on the path, so it is fixed per edge, and a
 * split's mask is its parent's with the edge's bit cleared when the row went the other way at
 * the parent.
 */
export class LeafTables {
  private constructor(
    /** Per split; split 0 is a sentinel parent of every root (mask all ones, went right). */
    private readonly parent: Int32Array,
    private readonly edgeLeft: Uint8Array,
    /** AND-mask clearing the slot bit of the parent's feature (the row disagrees with the edge). */
    private readonly keep: Int32Array,
    private readonly feature: Int32Array,
    private readonly threshold: Float32Array,
    private readonly defaultLeft: Uint8Array,
    /**
     * The lookups (splits with a leaf child) grouped by u, their feature count: those of u = g
     * are `[groupStart[g], groupStart[g + 1])`. One loop length per group keeps the innermost
     * loop's exit branch predictable, which rows that each take other paths otherwise defeat.
     */
    private readonly groupStart: Int32Array,
    private readonly lookupSplit: Int32Array,
    /** Where a lookup's 2^(u+1) × u table starts in `table`, and its u columns in `slotFeature`. */
    private readonly lookupTable: Int32Array,
    private readonly lookupSlots: Int32Array,
    private readonly slotFeature: Int32Array,
    private readonly table: Float32Array,
    // Per-row scratch, reused by every call: direction taken at each split, and each split's mask.
    private readonly goesLeft: Uint8Array,
    private readonly mask: Int32Array,
  ) {
    mask[0] = -1;
  }

  /** Builds the tables, or undefined when they would hold more than `budget` values. */
  static build(ensemble: TreeEnsemble, budget: number): LeafTables | undefined {
    const order = preorder(ensemble);
    const splits = order.parent.length;
    const lookups: number[] = [];
    let size = 0;
    for (let i = 1; i < splits; i++) {
      if (order.leftLeaf[i] === undefined && order.rightLeaf[i] === undefined) continue;
      const u = order.features[i]!.length;
      if (u > MAX_LEAF_FEATURES) return undefined;
      lookups.push(i);
      size += 2 ** (u + 1) * u;
    }
    if (size > budget) return undefined;
    const width = (i: number): number => order.features[i]!.length;
    // Stable: within a group, preorder (tree by tree) is kept, so the tables are read in order.
    lookups.sort((a, b) => width(a) - width(b));
    const widest = lookups.length === 0 ? 0 : width(lookups.at(-1)!);

    const groupStart = new Int32Array(widest + 2);
    const lookupTable = new Int32Array(lookups.length);
    const lookupSlots = new Int32Array(lookups.length);
    const slotFeature = new Int32Array(lookups.reduce((sum, i) => sum + width(i), 0));
    const table = new Float32Array(size);
    const path = new ShapPath(MAX_LEAF_FEATURES + 2);
    const leafTable = new Float64Array(2 ** widest * widest);
    let at = 0;
    let slot = 0;
    lookups.forEach((i, k) => {
      const features = order.features[i]!;
      const u = features.length;
      groupStart.fill(k + 1, u + 1);
      lookupTable[k] = at;
      lookupSlots[k] = slot;
      slotFeature.set(features, slot);
      slot += u;
      fillSplitTable(path, leafTable, order, i, table, at);
      at += 2 ** (u + 1) * u;
    });
    return new LeafTables(
      Int32Array.from(order.parent),
      Uint8Array.from(order.edgeLeft),
      Int32Array.from(order.keep),
      Int32Array.from(order.feature),
      Float32Array.from(order.threshold),
      Uint8Array.from(order.defaultLeft),
      groupStart,
      Int32Array.from(lookups),
      lookupTable,
      lookupSlots,
      slotFeature,
      table,
      new Uint8Array(splits),
      new Int32Array(splits),
    );
  }

  /** Values held by the tables (what `build` checked against its budget). */
  get size(): number {
    return this.table.length;
  }

  /** Adds the SHAP values of the row at `features[offset..]` to `out[outOffset ..]`. */
  add(features: Float32Array, offset: number, out: Float64Array, outOffset = 0): void {
    this.route(features, offset);
    this.lookUp(out, outOffset);
  }

  /** Each split's direction and agreement mask for the row: branch-free but for NaN. */
  private route(features: Float32Array, offset: number): void {
    // Locals, not fields, in the hot loop: V8 then keeps the typed arrays in registers.
    const { parent, edgeLeft, keep, feature, threshold, defaultLeft, goesLeft, mask } = this;
    for (let i = 1; i < parent.length; i++) {
      const p = parent[i]!;
      // keep[i] when the row went the other way at the parent ((1 ^ 0) - 1 = 0), else all ones.
      mask[i] = mask[p]! & (keep[i]! | ((goesLeft[p]! ^ edgeLeft[i]!) - 1));
      const x = features[offset + feature[i]!]!;
      // Routing as TreeEnsemble.next: left iff x < split; NaN (missing) follows default_left.
      goesLeft[i] = x !== x ? defaultLeft[i]! : Number(x < threshold[i]!);
    }
  }

  /** Adds each lookup's table row, chosen by its split's mask and direction. */
  private lookUp(out: Float64Array, outOffset: number): void {
    const { groupStart, lookupSplit, lookupTable, lookupSlots, slotFeature, table } = this;
    const { goesLeft, mask } = this;
    for (let u = 1; u < groupStart.length - 1; u++) {
      const low = (1 << u) - 1;
      for (let k = groupStart[u]!; k < groupStart[u + 1]!; k++) {
        const i = lookupSplit[k]!;
        const row = lookupTable[k]! + (((mask[i]! & low) << 1) | goesLeft[i]!) * u;
        const slots = lookupSlots[k]!;
        for (let j = 0; j < u; j++) out[outOffset + slotFeature[slots + j]!]! += table[row + j]!;
      }
    }
  }
}

/**
 * Sums the tables of split i's leaf children into `table[at ..]`: row (agree << 1 | wentLeft)
 * holds the u contributions for the split's agreement mask and the row's direction there.
 */
function fillSplitTable(
  path: ShapPath,
  leafTable: Float64Array,
  order: Preorder,
  i: number,
  table: Float32Array,
  at: number,
): void {
  const u = order.features[i]!.length;
  const bit = 1 << order.slot[i]!;
  for (const [leaf, isLeft] of [
    [order.leftLeaf[i], true],
    [order.rightLeaf[i], false],
  ] as const) {
    if (leaf === undefined) continue;
    fillLeafTable(path, leaf, leafTable);
    for (let agree = 0; agree < 1 << u; agree++) {
      for (const wentLeft of [0, 1]) {
        // The leaf agrees on the split's feature only if the row went its way here too.
        const leafAgree = (wentLeft === 1) === isLeft ? agree : agree & ~bit;
        const row = at + ((agree << 1) | wentLeft) * u;
        for (let j = 0; j < u; j++) table[row + j]! += leafTable[leafAgree * u + j]!;
      }
    }
  }
}

/** Flattens every tree's splits into preorder, with each edge's slot and each leaf's features. */
function preorder(ensemble: TreeEnsemble): Preorder {
  const order: Preorder = {
    parent: [],
    edgeLeft: [],
    keep: [],
    feature: [],
    threshold: [],
    defaultLeft: [],
    features: [],
    slot: [],
    leftLeaf: [],
    rightLeaf: [],
  };
  // Split 0: the sentinel parent of every root (see LeafTables.route).
  order.parent.push(0);
  order.edgeLeft.push(0);
  order.keep.push(-1);
  order.feature.push(0);
  order.threshold.push(0);
  order.defaultLeft.push(0);
  order.features.push([]);
  order.slot.push(0);
  order.leftLeaf.push(undefined);
  order.rightLeaf.push(undefined);
  const visit = (
    node: number,
    parent: number,
    isLeft: boolean,
    keep: number,
    pathFeatures: readonly number[],
    zeros: readonly number[],
  ): void => {
    const at = order.parent.length;
    const feature = ensemble.feature[node]!;
    // Algorithm 2 merges a repeated feature into one path element: its zero fractions multiply.
    const known = pathFeatures.indexOf(feature);
    const features = known < 0 ? [...pathFeatures, feature] : pathFeatures;
    const slot = known < 0 ? pathFeatures.length : known;
    order.parent.push(parent);
    order.edgeLeft.push(isLeft ? 1 : 0);
    order.keep.push(keep);
    order.feature.push(feature);
    order.threshold.push(ensemble.threshold[node]!);
    order.defaultLeft.push(ensemble.defaultLeft[node]!);
    order.features.push(features);
    order.slot.push(slot);
    order.leftLeaf.push(undefined);
    order.rightLeaf.push(undefined);
    for (const [child, childIsLeft] of [
      [ensemble.left[node]!, true],
      [ensemble.right[node]!, false],
    ] as const) {
      const childZeros = [...zeros, 1].slice(0, features.length);
      childZeros[slot]! *= ensemble.cover[child]! / ensemble.cover[node]!;
      if (ensemble.left[child]! >= 0) {
        visit(child, at, childIsLeft, ~(1 << slot), features, childZeros);
        continue;
      }
      const leaf = { features, zeros: childZeros, value: ensemble.leafValue[child]! };
      (childIsLeft ? order.leftLeaf : order.rightLeaf)[at] = leaf;
    }
  };
  // A tree that is a single leaf adds nothing to any feature (only to the bias).
  for (const root of ensemble.roots)
    if (ensemble.left[root]! >= 0) visit(root, 0, false, -1, [], []);
  return order;
}

/** Writes one leaf's 2^u × u contributions, row `agree` for each agreement mask, into `table`. */
function fillLeafTable(path: ShapPath, leaf: Leaf, table: Float64Array): void {
  const { features, zeros, value } = leaf;
  const u = features.length;
  for (let agree = 0; agree < 1 << u; agree++) {
    path.extend(0, 0, 1, 1, -1);
    for (let j = 0; j < u; j++) path.extend(0, j + 1, zeros[j]!, (agree >> j) & 1, features[j]!);
    for (let j = 0; j < u; j++) {
      const w = path.unwoundSum(0, u, j + 1);
      table[agree * u + j] = w * (((agree >> j) & 1) - zeros[j]!) * value;
    }
  }
}

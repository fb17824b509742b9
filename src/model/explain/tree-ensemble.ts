import { ArtifactError } from "../../errors.js";
import type { XGBoostModel, XGBoostTree } from "./xgboost-json.js";

/** Deeper trees are refused: TreeSHAP's path buffers grow with depth², and XGBoost caps far lower. */
export const MAX_TREE_DEPTH = 64;

/**
 * An XGBoost ensemble compiled into flat typed arrays: node i of tree t lives at
 * `roots[t] + i`, children are absolute indices, -1 marks a leaf. Built once at model load.
 */
export class TreeEnsemble {
  /** Number of feature columns (XGBoost's num_feature). */
  readonly width: number;
  readonly baseMargin: number;
  /** Deepest root-to-leaf path, in splits. */
  readonly depth: number;
  /** Expected margin over the training data (pred_contribs' bias column). */
  readonly bias: number;

  readonly roots: Int32Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly feature: Int32Array;
  // XGBoost routes by float32(x) < float32(condition); float32 inputs and thresholds read into
  // doubles compare exactly the same way.
  readonly threshold: Float32Array;
  readonly defaultLeft: Uint8Array;
  readonly cover: Float64Array;
  readonly leafValue: Float64Array;

  constructor(model: XGBoostModel) {
    this.width = model.numFeature;
    this.baseMargin = model.baseMargin;
    const total = model.trees.reduce((sum, tree) => sum + tree.left_children.length, 0);
    this.roots = new Int32Array(model.trees.length);
    this.left = new Int32Array(total);
    this.right = new Int32Array(total);
    this.feature = new Int32Array(total);
    this.threshold = new Float32Array(total);
    this.defaultLeft = new Uint8Array(total);
    this.cover = new Float64Array(total);
    this.leafValue = new Float64Array(total);

    let base = 0;
    let depth = 0;
    model.trees.forEach((tree, t) => {
      this.roots[t] = base;
      this.copyTree(tree, base);
      depth = Math.max(depth, this.checkDepth(base, t));
      base += tree.left_children.length;
    });
    this.depth = depth;
    let bias = this.baseMargin;
    for (const root of this.roots) bias += this.meanValue(root);
    this.bias = bias;
  }

  /** Which child a value goes to: missing (NaN) → the default child, else left iff x < split. */
  next(node: number, x: number): number {
    const goLeft = Number.isNaN(x) ? this.defaultLeft[node] === 1 : x < this.threshold[node]!;
    return goLeft ? this.left[node]! : this.right[node]!;
  }

  /** The margin of the row at `features[offset..]` (log-odds for binary:logistic). */
  margin(features: Float32Array, offset: number): number {
    let sum = this.baseMargin;
    for (const root of this.roots) {
      let node = root;
      while (this.left[node]! >= 0) node = this.next(node, features[offset + this.feature[node]!]!);
      sum += this.leafValue[node]!;
    }
    return sum;
  }

  private copyTree(tree: XGBoostTree, base: number): void {
    for (let node = 0; node < tree.left_children.length; node++) {
      const at = base + node;
      const leftChild = tree.left_children[node]!;
      this.left[at] = leftChild < 0 ? -1 : base + leftChild;
      this.right[at] = leftChild < 0 ? -1 : base + tree.right_children[node]!;
      this.feature[at] = tree.split_indices[node]!;
      this.threshold[at] = tree.split_conditions[node]!;
      this.defaultLeft[at] = Number(tree.default_left[node]!);
      this.cover[at] = tree.sum_hessian[node]!;
      // A leaf's value is its split_conditions entry, a float32 in XGBoost.
      this.leafValue[at] = leftChild < 0 ? Math.fround(tree.split_conditions[node]!) : 0;
    }
  }

  /** Depth of a tree; refuses cycles, shared nodes, zero-cover splits and absurd depths. */
  private checkDepth(root: number, tree: number): number {
    const seen = new Set<number>();
    const stack: [number, number][] = [[root, 0]];
    let depth = 0;
    while (stack.length > 0) {
      const [node, level] = stack.pop()!;
      if (seen.has(node) || level > MAX_TREE_DEPTH) {
        throw new ArtifactError(
          `xgboost.json: tree ${tree} is not a tree of depth ≤ ${MAX_TREE_DEPTH}`,
        );
      }
      seen.add(node);
      depth = Math.max(depth, level);
      if (this.left[node]! >= 0) {
        if (!(this.cover[node]! > 0)) {
          throw new ArtifactError(`xgboost.json: tree ${tree} has a split with zero cover`);
        }
        stack.push([this.left[node]!, level + 1], [this.right[node]!, level + 1]);
      }
    }
    return depth;
  }

  /** Cover-weighted mean leaf value under a node: the tree's expectation, as XGBoost computes it. */
  private meanValue(node: number): number {
    const left = this.left[node]!;
    if (left < 0) return this.leafValue[node]!;
    const right = this.right[node]!;
    return (
      (this.meanValue(left) * this.cover[left]! + this.meanValue(right) * this.cover[right]!) /
      this.cover[node]!
    );
  }
}

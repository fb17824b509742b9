/** 1/k for the path lengths TreeSHAP divides by (paths are at most a tree's depth + 2 long). */
const RECIPROCAL = Float64Array.from({ length: 130 }, (_, k) => 1 / k);

/**
 * The "unique path" of TreeSHAP Algorithm 2 (Lundberg, Erion, Lee 2018) as parallel typed arrays:
 * per element the feature, the fraction of training cover that follows the path (zero), whether
 * the explained row follows it (one), and the permutation weight. A path occupies
 * `[start, start + depth]`; callers place nested paths one after another in the same buffer.
 * The arithmetic mirrors xgboost src/predictor/treeshap.cc.
 */
export class ShapPath {
  readonly feature: Int32Array;
  readonly zero: Float64Array;
  readonly one: Float64Array;
  readonly weight: Float64Array;

  constructor(size: number) {
    this.feature = new Int32Array(size);
    this.zero = new Float64Array(size);
    this.one = new Float64Array(size);
    this.weight = new Float64Array(size);
  }

  /** Buffer size for the nested paths of a tree of depth `depth`. */
  static sizeFor(depth: number): number {
    const levels = depth + 2;
    return ((levels + 1) * (levels + 2)) / 2;
  }

  /** Copies `count` elements; plain loops, as copyWithin's per-call cost dominates here. */
  copy(from: number, to: number, count: number): void {
    for (let i = 0; i < count; i++) {
      this.feature[to + i] = this.feature[from + i]!;
      this.zero[to + i] = this.zero[from + i]!;
      this.one[to + i] = this.one[from + i]!;
      this.weight[to + i] = this.weight[from + i]!;
    }
  }

  /** Appends element `depth` and updates every permutation weight. */
  extend(start: number, depth: number, zero: number, one: number, feature: number): void {
    const at = start + depth;
    this.feature[at] = feature;
    this.zero[at] = zero;
    this.one[at] = one;
    const w = this.weight;
    w[at] = depth === 0 ? 1 : 0;
    const inverse = RECIPROCAL[depth + 1]!;
    for (let i = depth - 1; i >= 0; i--) {
      w[start + i + 1]! += one * w[start + i]! * (i + 1) * inverse;
      w[start + i] = zero * w[start + i]! * (depth - i) * inverse;
    }
  }

  /** Removes element `index` (undoing its extend) so a repeated feature can be re-extended. */
  unwind(start: number, depth: number, index: number): void {
    const one = this.one[start + index]!;
    const zero = this.zero[start + index]!;
    const w = this.weight;
    const scale = depth + 1;
    let nextOne = w[start + depth]!;
    for (let i = depth - 1; i >= 0; i--) {
      if (one !== 0) {
        const tmp = w[start + i]!;
        w[start + i] = (nextOne * scale) / ((i + 1) * one);
        nextOne = tmp - (w[start + i]! * zero * (depth - i)) / scale;
      } else {
        w[start + i] = (w[start + i]! * scale) / (zero * (depth - i));
      }
    }
    for (let i = start + index; i < start + depth; i++) {
      this.feature[i] = this.feature[i + 1]!;
      this.zero[i] = this.zero[i + 1]!;
      this.one[i] = this.one[i + 1]!;
    }
  }

  /** Total weight of the path with element `index` unwound, without modifying it. */
  unwoundSum(start: number, depth: number, index: number): number {
    const one = this.one[start + index]!;
    const zero = this.zero[start + index]!;
    const w = this.weight;
    const scale = depth + 1;
    let total = 0;
    // Divisions hoisted into reciprocals: this loop is where TreeSHAP spends its time.
    if (one !== 0) {
      const scaledInverseOne = scale / one;
      const zeroOverScale = zero / scale;
      let nextOne = w[start + depth]!;
      for (let i = depth - 1; i >= 0; i--) {
        const tmp = nextOne * scaledInverseOne * RECIPROCAL[i + 1]!;
        total += tmp;
        nextOne = w[start + i]! - tmp * zeroOverScale * (depth - i);
      }
    } else if (zero !== 0) {
      const scaleOverZero = scale / zero;
      for (let i = depth - 1; i >= 0; i--) {
        total += w[start + i]! * scaleOverZero * RECIPROCAL[depth - i]!;
      }
    }
    return total;
  }
}

import type { FieldColumns } from "../../src/model/field-columns.js";
import type { XGBoostModel } from "../../src/model/explain/xgboost-json.js";

/**
 * The exact values sampled Shapley estimates, for a tree ensemble: the Shapley values of the
 * game "fields in S take the instance's values, the rest the baseline's", players = raw fields,
 * output = margin. Per leaf, with A the fields on its path only the instance follows and B those
 * only the baseline follows, the leaf's value v is reached iff A ⊆ S and B ∩ S = ∅, whose Shapley
 * values are v·(a−1)!b!/(a+b)! for each field of A and −v·a!(b−1)!/(a+b)! for each of B.
 * Independent of the service's TreeSHAP code: it walks xgboost.json's arrays directly.
 */
export function baselineShapley(
  model: XGBoostModel,
  fields: FieldColumns,
  instance: Float32Array,
  baseline: Float32Array,
): Float64Array {
  const fieldOf = new Int32Array(fields.width);
  for (let f = 0; f < fields.count; f++) {
    const { start, end } = fields.columnsOf(f);
    fieldOf.fill(f, start, end);
  }
  const phi = new Float64Array(fields.count);
  const follows = (tree: XGBoostModel["trees"][number], node: number, x: number, left: boolean) => {
    const goesLeft = Number.isNaN(x)
      ? Number(tree.default_left[node]) === 1
      : x < Math.fround(tree.split_conditions[node]!);
    return goesLeft === left;
  };
  for (const tree of model.trees) {
    const walk = (node: number, xOk: Map<number, boolean>, bOk: Map<number, boolean>): void => {
      const left = tree.left_children[node]!;
      if (left < 0) {
        const a: number[] = [];
        const b: number[] = [];
        for (const [field, x] of xOk) {
          const base = bOk.get(field)!;
          if (!x && !base) return; // no coalition reaches this leaf
          if (x && !base) a.push(field);
          if (base && !x) b.push(field);
        }
        const v = Math.fround(tree.split_conditions[node]!);
        const n = a.length + b.length;
        for (const f of a)
          phi[f]! += (v * factorial(a.length - 1) * factorial(b.length)) / factorial(n);
        for (const f of b)
          phi[f]! -= (v * factorial(a.length) * factorial(b.length - 1)) / factorial(n);
        return;
      }
      const column = tree.split_indices[node]!;
      const field = fieldOf[column]!;
      for (const [child, goLeft] of [
        [left, true],
        [tree.right_children[node]!, false],
      ] as const) {
        const x = new Map(xOk).set(
          field,
          (xOk.get(field) ?? true) && follows(tree, node, instance[column]!, goLeft),
        );
        const b = new Map(bOk).set(
          field,
          (bOk.get(field) ?? true) && follows(tree, node, baseline[column]!, goLeft),
        );
        walk(child, x, b);
      }
    };
    walk(0, new Map(), new Map());
  }
  return phi;
}

function factorial(n: number): number {
  let result = 1;
  for (let k = 2; k <= n; k++) result *= k;
  return result;
}

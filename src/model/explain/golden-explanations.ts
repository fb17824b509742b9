import { ArtifactError } from "../../errors.js";
import type { Golden } from "../golden.js";
import type { Preprocessor } from "../preprocessor.js";
import type { TreeShap } from "./tree-shap.js";

/**
 * Refuses a model whose TreeSHAP differs from XGBoost's own `pred_contribs` (golden.json) by
 * more than the golden tolerance in any column of any row, or whose bias differs from
 * metadata.expected_value. Proves xgboost.json and the explainer before the first request.
 */
export function checkGoldenExplanations(
  tree: TreeShap,
  preprocessor: Preprocessor,
  golden: Golden,
  expectedValue: number,
): void {
  const tolerance = golden.tolerance;
  if (!(Math.abs(tree.bias - expectedValue) <= tolerance)) {
    throw new ArtifactError(
      `TreeSHAP bias ${tree.bias} differs from metadata.json expected_value ${expectedValue}`,
    );
  }
  const features = preprocessor.encode(golden.rows.map((row) => row.instance));
  const out = new Float64Array(tree.width + 1);
  golden.rows.forEach((row, r) => {
    if (row.contributions.length !== out.length) {
      throw new ArtifactError(
        `golden.json row ${r} has ${row.contributions.length} contributions, expected ${out.length}`,
      );
    }
    tree.contributions(features, r * tree.width, out);
    const column = row.contributions.findIndex(
      (expected, c) => !(Math.abs(out[c]! - expected) <= tolerance),
    );
    if (column >= 0) {
      throw new ArtifactError(
        `TreeSHAP check failed: golden row ${r}, column ${column}: ${out[column]} vs ` +
          `pred_contribs ${row.contributions[column]} (tolerance ${tolerance})`,
      );
    }
  });
}

import { ArtifactError, InvalidInputError } from "../../errors.js";
import type { ModelMetadata } from "../metadata.js";
import type { Preprocessor } from "../preprocessor.js";
import { ModelExplainer } from "./model-explainer.js";
import { SampledShapley } from "./sampled-shapley.js";
import { TreeShap } from "./tree-shap.js";
import type { RowScorer } from "./types.js";
import { parseXGBoostJson } from "./xgboost-json.js";

/** The XGBoost objective each task's TreeSHAP margin belongs to. */
const OBJECTIVE_OF_TASK = { binary: "binary:logistic", regression: "reg:squarederror" } as const;

export interface ExplainerArtifacts {
  readonly metadata: ModelMetadata;
  readonly preprocessor: Preprocessor;
  /** xgboost.json's bytes (already sha256-verified) and where it came from, for messages. */
  readonly xgboostJson: Buffer;
  readonly xgboostFile: string;
  readonly score: RowScorer;
}

/**
 * Prepares a version's explanations at load: compiles xgboost.json for TreeSHAP and checks it
 * describes the same model the preprocessor feeds, and encodes and scores the sampled-Shapley
 * baseline (metadata.explain_baseline). Inconsistent artifacts are an ArtifactError.
 */
export async function loadExplainer(artifacts: ExplainerArtifacts): Promise<ModelExplainer> {
  const { metadata, preprocessor, xgboostFile } = artifacts;
  const fields = preprocessor.columns;
  const xgboost = parseXGBoostJson(artifacts.xgboostJson, xgboostFile);
  if (xgboost.objective !== OBJECTIVE_OF_TASK[metadata.task]) {
    throw new ArtifactError(
      `${xgboostFile}: objective ${xgboost.objective} does not fit task "${metadata.task}"`,
    );
  }
  const tree = new TreeShap(xgboost);
  if (tree.width !== preprocessor.width) {
    throw new ArtifactError(
      `${xgboostFile} takes ${tree.width} features, the preprocessor writes ${preprocessor.width}`,
    );
  }
  const space = metadata.task === "binary" ? "log_odds" : "value";
  const sampled = await SampledShapley.create(
    fields,
    baselineRow(metadata, preprocessor),
    space,
    artifacts.score,
  );
  return new ModelExplainer(fields, space, sampled, tree);
}

/**
 * metadata.explain_baseline, preprocessed: it must name every field with a valid value. A
 * categorical field's fill value there (the pipeline's missing marker, when missing is the most
 * frequent) means missing: it is encoded as a null, because from preprocessor v2 on the marker
 * string itself is an unseen category (and in v1 the two encode the same).
 */
function baselineRow(metadata: ModelMetadata, preprocessor: Preprocessor): Float32Array {
  const baseline: Record<string, number | string | null> = { ...metadata.explain_baseline };
  const absent = preprocessor.fieldNames.filter((name) => !Object.hasOwn(baseline, name));
  if (absent.length > 0) {
    throw new ArtifactError(`metadata.json: explain_baseline lacks ${absent.join(", ")}`);
  }
  for (const field of preprocessor.spec.fields) {
    if (field.type === "categorical" && baseline[field.name] === field.fill_value) {
      baseline[field.name] = null;
    }
  }
  try {
    return preprocessor.encode([baseline]);
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    throw new ArtifactError(`metadata.json: explain_baseline is invalid: ${error.message}`);
  }
}

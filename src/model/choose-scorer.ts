import { ArtifactError, describeError } from "../errors.js";
import type { Calibrator } from "./calibrator.js";
import type { XGBoostModel } from "./explain/xgboost-json.js";
import { checkGolden, type Golden } from "./golden.js";
import type { ModelMetadata } from "./metadata.js";
import type { Preprocessor } from "./preprocessor.js";
import { CoalescingScorer, type CoalescingOptions } from "./coalescing-scorer.js";
import type { Scorer, ScorerChoice } from "./scorer.js";
import { TreeScorer } from "./tree-scorer.js";

export interface ScorerArtifacts {
  readonly metadata: ModelMetadata;
  readonly preprocessor: Preprocessor;
  readonly golden: Golden;
  /** xgboost.json, parsed; undefined when the version has none. */
  readonly xgboost: XGBoostModel | undefined;
  /** model.onnx's bytes (already sha256-verified). */
  readonly onnx: Uint8Array;
  readonly threads: number;
  /** Micro-batching in front of ONNX Runtime; none when undefined or maxRows is 1. */
  readonly onnxBatch?: CoalescingOptions | undefined;
  /** The version's calibrator: the golden gate proves the runtime followed by it. */
  readonly calibrator?: Calibrator | undefined;
}

/** The task each supported XGBoost objective serves. */
const TASK_OF_OBJECTIVE = {
  "binary:logistic": "binary",
  "reg:squarederror": "regression",
} as const;

export interface ChosenScorer {
  readonly scorer: Scorer;
  /** With `auto`, why the compiled trees do not serve (ONNX does); undefined when they do. */
  readonly fallback: string | undefined;
}

/**
 * Picks the runtime that serves a version (SCORER) and proves it against golden.json before it
 * serves. `trees` and `auto` compile xgboost.json; when the trees pass the golden gate, ONNX
 * Runtime is never loaded for the version (no session, no native library if nothing else needs
 * it): the trees serve every input, the V2 FP32 tensor included. `auto` falls back to ONNX when
 * the version has no usable trees; `trees` refuses the version instead.
 */
export async function chooseScorer(
  choice: ScorerChoice,
  artifacts: ScorerArtifacts,
): Promise<ChosenScorer> {
  if (choice === "onnx") return { scorer: await provenOnnx(artifacts), fallback: undefined };
  const trees = await provenTrees(artifacts);
  if (trees instanceof TreeScorer) return { scorer: trees, fallback: undefined };
  if (choice === "trees") {
    throw new ArtifactError(`SCORER=trees cannot serve this version: ${trees}`);
  }
  return { scorer: await provenOnnx(artifacts), fallback: trees };
}

/** The compiled trees when they reproduce golden.json; else why not. */
async function provenTrees(artifacts: ScorerArtifacts): Promise<TreeScorer | string> {
  const { metadata, preprocessor, xgboost } = artifacts;
  if (xgboost === undefined) return "the version has no xgboost.json";
  if (TASK_OF_OBJECTIVE[xgboost.objective] !== metadata.task) {
    return `xgboost.json's objective ${xgboost.objective} does not fit task "${metadata.task}"`;
  }
  try {
    const trees = new TreeScorer(xgboost);
    if (trees.width !== preprocessor.width) {
      return `xgboost.json takes ${trees.width} features, the preprocessor writes ${preprocessor.width}`;
    }
    await checkGolden(
      preprocessor,
      trees,
      artifacts.golden,
      describe(metadata, "compiled trees"),
      artifacts.calibrator,
    );
    return trees;
  } catch (error) {
    if (!(error instanceof ArtifactError)) throw error;
    return describeError(error);
  }
}

async function provenOnnx(artifacts: ScorerArtifacts): Promise<Scorer> {
  const { metadata, preprocessor } = artifacts;
  // Imported here, not at the top: a process whose versions all serve from the compiled trees
  // never loads ONNX Runtime's native library (start-up time and memory).
  const { OnnxScorer } = await import("./onnx-scorer.js");
  const onnx = await OnnxScorer.create(artifacts.onnx, {
    input: metadata.onnx.input,
    output: metadata.onnx.output,
    outputColumn: metadata.onnx.output_column,
    width: metadata.onnx.n_features,
    threads: artifacts.threads,
  });
  try {
    await checkGolden(
      preprocessor,
      onnx,
      artifacts.golden,
      describe(metadata, "ONNX"),
      artifacts.calibrator,
    );
    const batch = artifacts.onnxBatch;
    return batch === undefined || batch.maxRows <= 1 ? onnx : new CoalescingScorer(onnx, batch);
  } catch (error) {
    await onnx.release();
    throw error;
  }
}

function describe(metadata: ModelMetadata, runtime: string): string {
  return `${metadata.name} ${metadata.version} (${runtime})`;
}

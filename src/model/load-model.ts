import { createHash } from "node:crypto";
import { ArtifactError } from "../errors.js";
import { joinPath, type ArtifactStore } from "../storage/store.js";
import { checkGoldenExplanations } from "./explain/golden-explanations.js";
import { loadExplainer } from "./explain/load-explainer.js";
import { CALIBRATION_FILE, parseCalibrator, type Calibrator } from "./calibrator.js";
import { chooseScorer } from "./choose-scorer.js";
import { parseXGBoostJson } from "./explain/xgboost-json.js";
import { parseGolden } from "./golden.js";
import { LoadedModel } from "./loaded-model.js";
import { parseMetadata, REQUIRED_FILES, type ModelMetadata } from "./metadata.js";
import { Preprocessor } from "./preprocessor.js";
import { parsePreprocessorSpec } from "./preprocessor-spec.js";
import type { CoalescingOptions } from "./coalescing-scorer.js";
import type { ScorerChoice } from "./scorer.js";

export interface LoadModelOptions {
  /** ONNX Runtime intra-op threads. */
  readonly threads: number;
  /** Which runtime scores (SCORER); default `auto`: the compiled trees when they pass golden. */
  readonly scorer?: ScorerChoice;
  /** Micro-batching of ONNX Runtime calls, when ONNX serves; none when undefined. */
  readonly onnxBatch?: CoalescingOptions;
}

/**
 * Loads one version directory: reads metadata.json, verifies every listed file's size and
 * sha256 before using it, compiles the preprocessor and the scorer SCORER picks (compiled trees
 * or an ONNX session), and proves the result against golden.json. Any failure is an
 * ArtifactError naming the file; nothing half-loaded escapes.
 */
export async function loadModel(
  store: ArtifactStore,
  versionPath: string,
  options: LoadModelOptions,
): Promise<LoadedModel> {
  const where = (file: string): string => `${store.location}/${joinPath(versionPath, file)}`;
  const metadata = parseMetadata(
    await store.readFile(joinPath(versionPath, "metadata.json")),
    where("metadata.json"),
  );
  const files = await readVerified(store, versionPath, metadata, where);

  const spec = parsePreprocessorSpec(files.get("preprocessor.json")!, where("preprocessor.json"));
  const preprocessor = new Preprocessor(spec);
  if (preprocessor.width !== metadata.onnx.n_features) {
    throw new ArtifactError(
      `${where("preprocessor.json")} produces ${preprocessor.width} columns, ` +
        `metadata.json says the ONNX model takes ${metadata.onnx.n_features}`,
    );
  }
  const xgboostJson = files.get("xgboost.json")!;
  const golden = parseGolden(files.get("golden.json")!, where("golden.json"));
  const calibrator = readCalibrator(files, metadata, where);
  const { scorer, fallback } = await chooseScorer(options.scorer ?? "auto", {
    metadata,
    preprocessor,
    golden,
    xgboost: parseXGBoostJson(xgboostJson, where("xgboost.json")),
    onnx: files.get("model.onnx")!,
    threads: options.threads,
    onnxBatch: options.onnxBatch,
    calibrator,
  });
  try {
    const explainer = await loadExplainer({
      metadata,
      preprocessor,
      xgboostJson,
      xgboostFile: where("xgboost.json"),
      // The trees' probability: both methods explain the margin, before any calibrator.
      score: (features, rows) => scorer.score(features, rows),
    });
    const model = new LoadedModel(
      metadata,
      preprocessor,
      scorer,
      where(""),
      explainer,
      fallback,
      calibrator,
    );
    checkGoldenExplanations(explainer.tree, preprocessor, golden, metadata.expected_value);
    return model;
  } catch (error) {
    await scorer.release();
    throw error;
  }
}

/** The version's calibrator (calibration.json, listed in metadata.files), if it has one. */
function readCalibrator(
  files: ReadonlyMap<string, Buffer>,
  metadata: ModelMetadata,
  where: (file: string) => string,
): Calibrator | undefined {
  const bytes = files.get(CALIBRATION_FILE);
  if (bytes === undefined) return undefined;
  if (metadata.task !== "binary") {
    throw new ArtifactError(
      `${where(CALIBRATION_FILE)}: a calibrator maps probabilities; task "${metadata.task}" has none`,
    );
  }
  return parseCalibrator(bytes, where(CALIBRATION_FILE));
}

async function readVerified(
  store: ArtifactStore,
  versionPath: string,
  metadata: ModelMetadata,
  where: (file: string) => string,
): Promise<Map<string, Buffer>> {
  const missing = REQUIRED_FILES.filter((file) => metadata.files[file] === undefined);
  if (missing.length > 0) {
    throw new ArtifactError(`${where("metadata.json")} lists no digest for ${missing.join(", ")}`);
  }
  const entries = await Promise.all(
    Object.entries(metadata.files).map(async ([file, digest]) => {
      const bytes = await store.readFile(joinPath(versionPath, file));
      const sha256 = createHash("sha256").update(bytes).digest("hex");
      if (bytes.length !== digest.bytes || sha256 !== digest.sha256) {
        throw new ArtifactError(
          `${where(file)} is corrupt: sha256 ${sha256} (${bytes.length} bytes), ` +
            `metadata.json expects ${digest.sha256} (${digest.bytes} bytes)`,
        );
      }
      return [file, bytes] as const;
    }),
  );
  return new Map(entries);
}

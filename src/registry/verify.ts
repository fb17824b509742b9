import { ArtifactError, describeError } from "../errors.js";
import { loadModel } from "../model/load-model.js";
import type { ModelMetadata } from "../model/metadata.js";
import type { ArtifactStore } from "../storage/store.js";

/**
 * Loads a version exactly as the service will (every sha256, preprocessor and ONNX session, the
 * golden check) and releases it: what publish checks before it writes a version and promote and
 * rollback before they point an alias at one. Throws the loader's ArtifactError, which names the
 * file, prefixed with `refusing`.
 */
export async function verifyVersion(
  store: ArtifactStore,
  versionPath: string,
  refusing: string,
): Promise<ModelMetadata> {
  try {
    // ONNX, the general runtime: proving it keeps every SCORER able to serve the version (auto
    // falls back to it when the compiled trees fail their own golden gate at load).
    const model = await loadModel(store, versionPath, { threads: 1, scorer: "onnx" });
    await model.release();
    return model.metadata;
  } catch (error) {
    if (!(error instanceof ArtifactError)) throw error;
    throw new ArtifactError(`${refusing}: ${describeError(error)}`, { cause: error });
  }
}

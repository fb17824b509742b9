import { openArtifactStore, type OpenArtifactStoreOptions } from "../storage/open-store.js";
import { loadModel } from "./load-model.js";
import type { LoadedModel } from "./loaded-model.js";
import { resolveVersionPath } from "../registry/versions.js";

export interface LoadFromUriOptions {
  readonly threads: number;
  readonly storage?: OpenArtifactStoreOptions;
}

/**
 * MODEL_URI → a verified, golden-checked model: a version directory, or a model in a registry
 * (<model-name>/<semver>/...) whose highest complete version is taken.
 */
export async function loadModelFromUri(
  uri: string,
  options: LoadFromUriOptions,
): Promise<LoadedModel> {
  const store = await openArtifactStore(uri, options.storage);
  const versionPath = await resolveVersionPath(store);
  return loadModel(store, versionPath, { threads: options.threads });
}

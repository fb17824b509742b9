import { ArtifactError } from "../errors.js";
import { loadModel, type LoadModelOptions } from "../model/load-model.js";
import type { LoadedModel } from "../model/loaded-model.js";
import { completeVersions } from "../registry/versions.js";
import { openStore, type OpenStoreOptions } from "../storage/open-store.js";
import type { ArtifactStore } from "../storage/store.js";

/** How to load the version (runtime choices), and how to reach its store. */
export interface PinnedSourceOptions extends LoadModelOptions {
  readonly storage?: OpenStoreOptions;
}

/**
 * A model that never changes while the process runs: a version directory, or a model directory
 * (`<model>/<semver>/…`) served at its highest complete version as of start-up.
 */
export async function loadPinnedModel(
  uri: string,
  options: PinnedSourceOptions,
): Promise<LoadedModel> {
  const store = await openStore(uri, options.storage);
  return loadModel(store, await resolveVersionPath(store), options);
}

/** The store root when it holds metadata.json, else its highest complete version. */
async function resolveVersionPath(store: ArtifactStore): Promise<string> {
  if (await store.exists("metadata.json")) return "";
  const versions = await completeVersions(store, "");
  const highest = versions.at(-1);
  if (highest !== undefined) return highest;
  const found = await store.listDirectories("");
  throw new ArtifactError(
    `no model version found at ${store.location}: expected metadata.json there or in a ` +
      `<semver>/ sub-directory with metadata.json (found ${found.length === 0 ? "none" : found.join(", ")})`,
  );
}

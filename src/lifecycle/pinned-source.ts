import { ArtifactError } from "../errors.js";
import { loadModel } from "../model/load-model.js";
import type { LoadedModel } from "../model/loaded-model.js";
import type { CoalescingOptions } from "../model/coalescing-scorer.js";
import type { ScorerChoice } from "../model/scorer.js";
import { completeVersions } from "../registry/versions.js";
import { openStore, type OpenStoreOptions } from "../storage/open-store.js";
import type { ArtifactStore } from "../storage/store.js";

export interface PinnedSourceOptions {
  readonly threads: number;
  /** SCORER; default auto. */
  readonly scorer?: ScorerChoice;
  readonly onnxBatch?: CoalescingOptions;
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
  const { threads, scorer, onnxBatch } = options;
  return loadModel(store, await resolveVersionPath(store), { threads, scorer, onnxBatch });
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

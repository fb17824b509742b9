import semver from "semver";
import { ArtifactError } from "../errors.js";
import { joinPath, type ArtifactStore } from "../storage/store.js";

/**
 * Finds the version directory a store points at: the store root itself when it holds
 * metadata.json, otherwise the highest complete semver sub-directory (a model in a registry laid
 * out as <model-name>/<semver>/). A version without metadata.json is still being written and is
 * skipped: the pipeline and the registry write metadata.json last.
 */
export async function resolveVersionPath(store: ArtifactStore): Promise<string> {
  if (await store.exists("metadata.json")) return "";
  const versions = (await store.listDirectories(""))
    .filter((name) => semver.valid(name) !== null)
    .sort(semver.rcompare);
  for (const version of versions) {
    if (await store.exists(joinPath(version, "metadata.json"))) return version;
  }
  throw new ArtifactError(
    `no model version found at ${store.location}: expected metadata.json there or in a ` +
      `<semver>/ sub-directory (found ${versions.length === 0 ? "none" : versions.join(", ")})`,
  );
}

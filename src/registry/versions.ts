import semver from "semver";
import { joinPath, type ArtifactStore } from "../storage/store.js";

/**
 * The one rule for which versions exist: a `<semver>/` directory under `modelPath` that holds
 * metadata.json. A version without it is still being written (publishers write metadata.json
 * last) or was interrupted, and is invisible. Lowest first.
 */
export async function completeVersions(store: ArtifactStore, modelPath: string): Promise<string[]> {
  const names = (await store.listDirectories(modelPath)).filter(
    (name) => semver.valid(name) !== null,
  );
  const complete = await Promise.all(
    names.map(async (name) =>
      (await store.exists(joinPath(modelPath, name, "metadata.json"))) ? name : undefined,
    ),
  );
  return complete.filter((name): name is string => name !== undefined).sort(semver.compare);
}

/** The highest complete version under `modelPath`, or undefined when there is none. */
export async function latestCompleteVersion(
  store: ArtifactStore,
  modelPath: string,
): Promise<string | undefined> {
  return (await completeVersions(store, modelPath)).at(-1);
}

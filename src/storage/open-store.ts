import { fileURLToPath } from "node:url";
import { ConfigError, describeError } from "../errors.js";
import { FileStore } from "./file-store.js";
import type { GcsClientOptions } from "./gcs-store.js";
import { parseGcsUri } from "./gcs-uri.js";
import type { ArtifactStore } from "./store.js";

/** Options of openStore. They only affect gs:// stores; a local directory needs none. */
export type OpenStoreOptions = GcsClientOptions;

/**
 * The one place a location becomes a store, for the service and the registry alike: a local path
 * or file:// URI → FileStore, gs://bucket/prefix → GcsStore. Any other scheme is a ConfigError
 * rather than a path with a colon in it.
 */
export async function openStore(
  uri: string,
  options: OpenStoreOptions = {},
): Promise<ArtifactStore> {
  if (uri.trim() === "") {
    throw new ConfigError("the artifact location is empty: expected a directory or gs:// URI");
  }
  if (uri.startsWith("gs://")) {
    const location = parseGcsUri(uri);
    // Loaded on demand: the Cloud Storage client costs ~30 MB of memory a disk model never needs.
    const { GcsStore } = await import("./gcs-store.js");
    return new GcsStore({ ...location, ...options });
  }
  if (uri.startsWith("file://")) {
    return new FileStore(localPath(uri));
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(uri)?.[1];
  if (scheme !== undefined) {
    throw new ConfigError(
      `unsupported artifact location ${JSON.stringify(uri)}: ${scheme}:// is not supported, ` +
        "use a directory, a file:// URI or a gs:// URI",
    );
  }
  return new FileStore(uri);
}

function localPath(fileUri: string): string {
  try {
    return fileURLToPath(fileUri);
  } catch (error) {
    // e.g. a host name ("file://server/x") or an encoded "/" in the path.
    throw new ConfigError(`invalid file URI ${JSON.stringify(fileUri)}: ${describeError(error)}`, {
      cause: error,
    });
  }
}

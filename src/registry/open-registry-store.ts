import { ConfigError } from "../errors.js";
import type { GcsClientOptions } from "../storage/gcs-store.js";
import { parseGcsUri } from "../storage/gcs-uri.js";
import { FileRegistryStore } from "./file-registry-store.js";
import type { RegistryStore } from "./store.js";

/** The registry store for a location: a local directory or a gs:// prefix. */
export async function openRegistryStore(
  uri: string,
  options: GcsClientOptions = {},
): Promise<RegistryStore> {
  if (uri.startsWith("gs://")) {
    const location = parseGcsUri(uri);
    // Loaded on demand, like the artifact store: the client is heavy and disk needs none of it.
    const { GcsRegistryStore } = await import("./gcs-registry-store.js");
    return new GcsRegistryStore({ ...location, ...options });
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) {
    throw new ConfigError(`unsupported registry location ${uri}: use a directory or gs:// URI`);
  }
  return new FileRegistryStore(uri);
}

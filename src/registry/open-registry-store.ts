import { ConfigError } from "../errors.js";
import type { GcsClientOptions } from "../model/artifacts/gcs-store.js";
import { parseGcsUri } from "../model/artifacts/gcs-store.js";
import { FileRegistryStore } from "./file-registry-store.js";
import { GcsRegistryStore } from "./gcs-registry-store.js";
import type { RegistryStore } from "./store.js";

/** The registry store for a location: a local directory or a gs:// prefix. */
export function openRegistryStore(uri: string, options: GcsClientOptions = {}): RegistryStore {
  if (uri.startsWith("gs://")) return new GcsRegistryStore({ ...parseGcsUri(uri), ...options });
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) {
    throw new ConfigError(`unsupported registry location ${uri}: use a directory or gs:// URI`);
  }
  return new FileRegistryStore(uri);
}

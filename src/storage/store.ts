/**
 * Read-only access to a tree of model artifacts, wherever it lives (a local directory or a
 * gs:// prefix). Paths are relative to the store's root and use "/" on every platform.
 */
export interface ArtifactStore {
  /** A human-readable location for messages, e.g. "gs://bucket/models" or "/srv/models". */
  readonly location: string;
  /** The whole content of a file. Throws ArtifactError naming the file when it does not exist. */
  readFile(path: string): Promise<Buffer>;
  /** Whether a file exists. */
  exists(path: string): Promise<boolean>;
  /** Names of the immediate sub-directories of `path` ("" = the root), sorted. */
  listDirectories(path: string): Promise<string[]>;
}

/** Joins store-relative path segments with "/", ignoring empty segments. */
export function joinPath(...segments: string[]): string {
  return segments
    .flatMap((segment) => segment.split("/"))
    .filter((part) => part !== "")
    .join("/");
}

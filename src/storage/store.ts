import type { Readable, Writable } from "node:stream";

/** A file's content with the generation it was read at (for compare-and-swap). */
export interface Versioned {
  readonly bytes: Buffer;
  readonly generation: string;
}

/**
 * A tree of model artifacts, wherever it lives (a local directory or a gs:// prefix). Paths are
 * relative to the store's root and use "/" on every platform. Reads serve the service; the writes
 * serve the registry, and both backends give the same two guarantees: `create` never overwrites
 * (versions are immutable) and `replace` is a compare-and-swap on the generation (two concurrent
 * alias updates cannot both win).
 */
export interface ArtifactStore {
  /** A human-readable location for messages, e.g. "gs://bucket/models" or "/srv/models". */
  readonly location: string;
  /** The whole content of a file. Throws ArtifactError naming the file when it does not exist. */
  readFile(path: string): Promise<Buffer>;
  /** Whether a file exists. */
  exists(path: string): Promise<boolean>;
  /** Names of the immediate sub-directories of `path` ("" = the root), sorted; [] if absent. */
  listDirectories(path: string): Promise<string[]>;
  /** Names of the files directly in `path`, sorted; [] if absent. */
  listFiles(path: string): Promise<string[]>;
  /** Writes a file that must not exist yet; ConflictError if it does. */
  create(path: string, bytes: Buffer): Promise<void>;
  /** Content and generation, or undefined when the file does not exist. */
  readVersioned(path: string): Promise<Versioned | undefined>;
  /** Generation only: the cheap check a poller makes. Undefined when absent. */
  generation(path: string): Promise<string | undefined>;
  /**
   * Replaces a file only if its generation is still `expected` (undefined: it must not exist
   * yet); ConflictError otherwise.
   */
  replace(path: string, bytes: Buffer, expected: string | undefined): Promise<void>;
  /**
   * A file too big to hold in memory, as a stream, with its size (for progress). Throws
   * ArtifactError naming the file when it does not exist.
   */
  openRead(path: string): Promise<ReadableArtifact>;
  /**
   * A file written as a stream that appears whole, or not at all: only when the stream finishes
   * (a destroyed or killed writer leaves nothing under `path`). `exclusive`: finishing fails
   * with ConflictError when `path` exists by then (create-if-absent); else it replaces it.
   */
  openWrite(path: string, options: { readonly exclusive: boolean }): Writable;
}

export interface ReadableArtifact {
  readonly stream: Readable;
  /** Size in bytes when the read began. */
  readonly size: number;
}

/** Joins store-relative path segments with "/", ignoring empty segments. */
export function joinPath(...segments: string[]): string {
  return segments
    .flatMap((segment) => segment.split("/"))
    .filter((part) => part !== "")
    .join("/");
}

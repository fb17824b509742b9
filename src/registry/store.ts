import type { ArtifactStore } from "../storage/store.js";

/** A file's content with the generation it was read at (for compare-and-swap). */
export interface Versioned {
  readonly bytes: Buffer;
  readonly generation: string;
}

/**
 * The writes a registry needs on top of reading artifacts. Both backends give the same two
 * guarantees: `create` never overwrites (versions are immutable) and `replace` is a
 * compare-and-swap on the generation (two concurrent alias updates cannot both win).
 */
export interface RegistryStore extends ArtifactStore {
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
}

import { createHash, randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import {
  link,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  writeFile,
} from "node:fs/promises";
import path from "node:path";
import type { Writable } from "node:stream";
import { ArtifactError, ConflictError, describeError } from "../errors.js";
import { committingWritable } from "./committing-writable.js";
import type { ArtifactStore, ReadableArtifact, Versioned } from "./store.js";

/**
 * An artifact store on the local filesystem, rooted at a directory. `create` is an exclusive
 * create (O_EXCL); `replace` takes an exclusive lock file, re-checks the generation (the sha256 of
 * the content), writes a temporary file and renames it into place, which is atomic on one
 * filesystem: readers see the old or the new file, never half of one.
 */
export class FileStore implements ArtifactStore {
  readonly location: string;

  constructor(root: string) {
    this.location = path.resolve(root);
  }

  async readFile(relative: string): Promise<Buffer> {
    try {
      return await readFile(this.resolve(relative));
    } catch (error) {
      throw new ArtifactError(`cannot read ${this.resolve(relative)}: ${describeError(error)}`, {
        cause: error,
      });
    }
  }

  async exists(relative: string): Promise<boolean> {
    try {
      return (await stat(this.resolve(relative))).isFile();
    } catch {
      return false;
    }
  }

  /** An absent directory lists as [], as on Cloud Storage: a new registry is simply empty. */
  listDirectories(relative: string): Promise<string[]> {
    return this.list(relative, (entry) => entry.isDirectory());
  }

  listFiles(relative: string): Promise<string[]> {
    return this.list(relative, (entry) => entry.isFile());
  }

  async create(relative: string, bytes: Buffer): Promise<void> {
    const target = this.resolve(relative);
    await mkdir(path.dirname(target), { recursive: true });
    try {
      const handle = await open(target, "wx");
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch (error) {
      if (isCode(error, "EEXIST")) throw new ConflictError(`${target} already exists`);
      throw error;
    }
  }

  async readVersioned(relative: string): Promise<Versioned | undefined> {
    try {
      const bytes = await readFile(this.resolve(relative));
      return { bytes, generation: digest(bytes) };
    } catch (error) {
      if (isCode(error, "ENOENT")) return undefined;
      throw error;
    }
  }

  async generation(relative: string): Promise<string | undefined> {
    return (await this.readVersioned(relative))?.generation;
  }

  async replace(relative: string, bytes: Buffer, expected: string | undefined): Promise<void> {
    const target = this.resolve(relative);
    await mkdir(path.dirname(target), { recursive: true });
    const lock = `${target}.lock`;
    let handle;
    try {
      handle = await open(lock, "wx");
    } catch (error) {
      if (!isCode(error, "EEXIST")) throw error;
      throw new ConflictError(
        `${target} is being updated by another process (lock ${lock}; remove it if that process died)`,
      );
    }
    try {
      const current = await this.generation(relative);
      if (current !== expected) {
        throw new ConflictError(`${target} was changed concurrently; read it again and retry`);
      }
      const temporary = `${target}.${randomUUID()}.tmp`;
      await writeFile(temporary, bytes);
      await rename(temporary, target);
    } catch (error) {
      if (error instanceof ConflictError) throw error;
      throw new Error(`cannot update ${target}: ${describeError(error)}`, { cause: error });
    } finally {
      await handle.close();
      await rm(lock, { force: true });
    }
  }

  async openRead(relative: string): Promise<ReadableArtifact> {
    const file = this.resolve(relative);
    try {
      const { size } = await stat(file);
      return { stream: createReadStream(file), size };
    } catch (error) {
      throw new ArtifactError(`cannot read ${file}: ${describeError(error)}`, { cause: error });
    }
  }

  /**
   * Writes a temporary file beside the target and moves it into place on finish: a hard link
   * for `exclusive` (which, unlike rename, fails when the target exists), else a rename.
   */
  openWrite(relative: string, { exclusive }: { readonly exclusive: boolean }): Writable {
    const target = this.resolve(relative);
    const temporary = `${target}.${randomUUID()}.tmp`;
    const opened = mkdir(path.dirname(target), { recursive: true }).then(() =>
      open(temporary, "wx"),
    );
    // A failed open surfaces at the first write or at commit; not as an unhandled rejection.
    opened.catch(() => undefined);
    return committingWritable({
      write: async (chunk) => {
        await (await opened).write(chunk);
      },
      commit: async () => {
        const handle = await opened;
        await handle.sync();
        await handle.close();
        try {
          if (exclusive) await link(temporary, target);
          else await rename(temporary, target);
        } catch (error) {
          if (isCode(error, "EEXIST")) throw new ConflictError(`${target} already exists`);
          throw error;
        } finally {
          await rm(temporary, { force: true });
        }
      },
      abandon: async () => {
        await (await opened).close().catch(() => undefined);
        await rm(temporary, { force: true });
      },
    });
  }

  private async list(
    relative: string,
    keep: (entry: { isDirectory(): boolean; isFile(): boolean }) => boolean,
  ): Promise<string[]> {
    try {
      const entries = await readdir(this.resolve(relative), { withFileTypes: true });
      return entries
        .filter(keep)
        .map((entry) => entry.name)
        .sort();
    } catch (error) {
      if (isCode(error, "ENOENT")) return [];
      throw new ArtifactError(`cannot list ${this.resolve(relative)}: ${describeError(error)}`, {
        cause: error,
      });
    }
  }

  private resolve(relative: string): string {
    return path.join(this.location, ...relative.split("/"));
  }
}

function digest(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function isCode(error: unknown, code: string): boolean {
  return (error as { code?: unknown } | null)?.code === code;
}

import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { ArtifactError, describeError } from "../errors.js";
import type { ArtifactStore } from "./store.js";

/** An artifact store on the local filesystem, rooted at a directory. */
export class FileArtifactStore implements ArtifactStore {
  readonly location: string;

  constructor(root: string) {
    this.location = path.resolve(root);
  }

  async readFile(relative: string): Promise<Buffer> {
    try {
      return await readFile(this.resolve(relative));
    } catch (error) {
      throw new ArtifactError(`cannot read ${this.describe(relative)}: ${describeError(error)}`, {
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

  async listDirectories(relative: string): Promise<string[]> {
    try {
      const entries = await readdir(this.resolve(relative), { withFileTypes: true });
      return entries
        .filter((entry) => entry.isDirectory())
        .map((entry) => entry.name)
        .sort();
    } catch (error) {
      throw new ArtifactError(`cannot list ${this.describe(relative)}: ${describeError(error)}`, {
        cause: error,
      });
    }
  }

  protected resolve(relative: string): string {
    return path.join(this.location, ...relative.split("/"));
  }

  private describe(relative: string): string {
    return this.resolve(relative);
  }
}

import { GcsArtifactStore } from "../storage/gcs-store.js";
import type { RegistryStore, Versioned } from "./store.js";

/**
 * A registry under a gs:// prefix. Cloud Storage's generation preconditions give both
 * guarantees server-side: `ifGenerationMatch: 0` creates only when absent, and
 * `ifGenerationMatch: <generation>` replaces only the object that was read. A failed precondition
 * (HTTP 412) surfaces as ConflictError. The preconditions also make retrying a write safe: a
 * retry can never overwrite a newer object. (If a create's answer is lost and the retry finds the
 * object already there, that retry reports a conflict with our own write.)
 */
export class GcsRegistryStore extends GcsArtifactStore implements RegistryStore {
  async create(path: string, bytes: Buffer): Promise<void> {
    await this.save(path, bytes, 0);
  }

  async readVersioned(path: string): Promise<Versioned | undefined> {
    const generation = await this.generation(path);
    if (generation === undefined) return undefined;
    // Download exactly the generation we looked at, so content and generation always match.
    const file = this.bucket.file(this.objectName(path), { generation: Number(generation) });
    return { bytes: await this.download(path, file), generation };
  }

  async generation(path: string): Promise<string | undefined> {
    const file = this.bucket.file(this.objectName(path));
    const [exists] = await this.call("check", path, () => file.exists());
    if (!exists) return undefined;
    const [metadata] = await this.call("inspect", path, () => file.getMetadata());
    return String(metadata.generation);
  }

  async replace(path: string, bytes: Buffer, expected: string | undefined): Promise<void> {
    await this.save(path, bytes, expected === undefined ? 0 : Number(expected));
  }

  private async save(path: string, bytes: Buffer, ifGenerationMatch: number): Promise<void> {
    const file = this.bucket.file(this.objectName(path));
    await this.call("write", path, () =>
      file.save(bytes, { resumable: false, preconditionOpts: { ifGenerationMatch } }),
    );
  }
}

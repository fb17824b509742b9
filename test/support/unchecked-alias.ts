import type { Registry } from "../../src/registry/registry.js";
import { joinPath } from "../../src/storage/store.js";

/**
 * Points an alias at a version without the registry's verification, in the alias format written
 * before histories were kept: what an older CLI, or anyone with write access to the bucket, can
 * still do. The service must refuse a broken version that arrives this way by itself.
 */
export async function pointAliasUnchecked(
  registry: Registry,
  alias: string,
  version: string,
): Promise<void> {
  const path = joinPath(registry.model, "aliases", `${alias}.json`);
  const current = await registry.store.readVersioned(path);
  const record = {
    alias,
    version,
    set_at: new Date().toISOString(),
    set_by: "unchecked",
    previous: null,
  };
  await registry.store.replace(path, Buffer.from(JSON.stringify(record)), current?.generation);
}

import { createHash } from "node:crypto";
import { mkdtempSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { stringify } from "yaml";

export interface TestKey {
  readonly name: string;
  readonly key: string;
  readonly scopes: readonly string[];
  readonly rateLimit?: { max: number; timeWindow: string | number };
}

/** A keys file as an operator writes it: names, sha256 of each key, scopes, limits. */
export function keysFileText(
  keys: readonly TestKey[],
  defaultRateLimit?: { max: number; timeWindow: string },
): string {
  return stringify({
    ...(defaultRateLimit === undefined ? {} : { defaultRateLimit }),
    keys: keys.map(({ name, key, scopes, rateLimit }) => ({
      name,
      sha256: createHash("sha256").update(key).digest("hex"),
      scopes,
      ...(rateLimit === undefined ? {} : { rateLimit }),
    })),
  });
}

/** A fresh directory holding keys.yaml; returns the file's path. */
export function writeKeysFile(text: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "api-keys-")), "keys.yaml");
  writeFileSync(file, text);
  return file;
}

/** Replaces the file in one step (write beside it, rename), as a Secret update swaps it. */
export function replaceKeysFile(file: string, text: string): void {
  const next = `${file}.next`;
  writeFileSync(next, text);
  renameSync(next, file);
}

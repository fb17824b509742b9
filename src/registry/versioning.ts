import semver from "semver";
import type { ModelMetadata } from "../model/metadata.js";

/** The first version a model gets. */
export const FIRST_VERSION = "1.0.0";

/**
 * The version a new model gets next to the highest existing one: a retrain over the same feature
 * schema bumps the patch; fields added, removed or retyped bump the minor; a major bump only on
 * request (a breaking change the schema cannot show, e.g. a different target).
 */
export function nextVersion(
  highest: { version: string; schema: ModelMetadata["schema"] } | undefined,
  schema: ModelMetadata["schema"],
  options: { major?: boolean } = {},
): string {
  if (highest === undefined) return FIRST_VERSION;
  const release = options.major
    ? "major"
    : schemaChanged(highest.schema, schema)
      ? "minor"
      : "patch";
  const next = semver.inc(highest.version, release);
  if (next === null) throw new Error(`cannot increment version ${highest.version}`);
  return next;
}

/** Whether the request schema differs in its fields' names or types (categories may change). */
export function schemaChanged(a: ModelMetadata["schema"], b: ModelMetadata["schema"]): boolean {
  const signature = (schema: ModelMetadata["schema"]) =>
    schema.fields
      .map((field) => `${field.name}:${field.type}`)
      .sort()
      .join(",");
  return signature(a) !== signature(b);
}

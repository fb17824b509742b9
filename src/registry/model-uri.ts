import { ConfigError } from "../errors.js";
import { ALIAS_PATTERN } from "./alias.js";

/** MODEL_URI naming a model alias: `<registry>/<model>@<alias>`. */
export interface AliasUri {
  readonly registry: string;
  readonly model: string;
  readonly alias: string;
}

/**
 * Splits `gs://bucket/prefix/lead-scoring@production` (or a local path of the same shape) into
 * registry root, model and alias. Undefined for a URI without "@alias": a version directory or
 * a model directory served at its highest version, which never changes while running.
 */
export function parseAliasUri(uri: string): AliasUri | undefined {
  const match = /^(.*)\/([^/@]+)@([^/@]+)\/?$/.exec(uri);
  if (match === null) return undefined;
  const [, registry, model, alias] = match as unknown as [string, string, string, string];
  if (!ALIAS_PATTERN.test(alias)) {
    throw new ConfigError(
      `MODEL_URI alias "${alias}" is invalid: expected ${ALIAS_PATTERN.source}`,
    );
  }
  return { registry: registry === "" ? "/" : registry, model, alias };
}

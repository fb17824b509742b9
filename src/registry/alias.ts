import { Type, type Static } from "typebox";
import { artifactParser } from "../model/parse-artifact.js";

/** `<registry>/<model>/aliases/<alias>.json`: which version an alias names, and its history. */
export const AliasRecordSchema = Type.Object({
  alias: Type.String(),
  version: Type.String({ pattern: "^\\d+\\.\\d+\\.\\d+$" }),
  set_at: Type.String(),
  set_by: Type.String(),
  /** The version this alias named before; what `rollback` returns to. */
  previous: Type.Union([Type.String(), Type.Null()]),
});
export type AliasRecord = Static<typeof AliasRecordSchema>;

export const parseAlias = artifactParser(AliasRecordSchema);

/** Alias names are path segments: keep them boring. */
export const ALIAS_PATTERN = /^[a-z][a-z0-9_-]{0,62}$/;

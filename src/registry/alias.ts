import { Type, type Static } from "typebox";
import { artifactParser } from "../model/parse-artifact.js";

const SEMVER = "^\\d+\\.\\d+\\.\\d+$";

/** One move of an alias, as `registry history` prints it. Entries are only ever appended. */
export const AliasChangeSchema = Type.Object({
  /** What moved it: `promote`, `promote-if-better` or `rollback`. */
  action: Type.Union([
    Type.Literal("promote"),
    Type.Literal("promote-if-better"),
    Type.Literal("rollback"),
  ]),
  /** The version it named before (null: the alias did not exist). */
  from: Type.Union([Type.String({ pattern: SEMVER }), Type.Null()]),
  to: Type.String({ pattern: SEMVER }),
  at: Type.String(),
  by: Type.String(),
  reason: Type.String(),
  /** A rollback's: the index (in this history) of the change it undid. */
  undoes: Type.Optional(Type.Integer({ minimum: 0 })),
});
export type AliasChange = Static<typeof AliasChangeSchema>;

/**
 * `<registry>/<model>/aliases/<alias>.json`: which version an alias names, and how it got there.
 * The first five fields are what services poll and parse (and all an alias file had before it
 * kept a history, which such files still parse without); `history` is embedded so that one
 * compare-and-swap of this one object moves the alias and records the move together.
 */
export const AliasRecordSchema = Type.Object({
  alias: Type.String(),
  version: Type.String({ pattern: SEMVER }),
  set_at: Type.String(),
  set_by: Type.String(),
  /** The version this alias named before the last change. */
  previous: Type.Union([Type.String(), Type.Null()]),
  /** Every change, oldest first; absent in files written before histories were kept. */
  history: Type.Optional(Type.Array(AliasChangeSchema)),
});
export type AliasRecord = Static<typeof AliasRecordSchema>;

export const parseAlias = artifactParser(AliasRecordSchema);

/** Alias names are path segments: keep them boring. */
export const ALIAS_PATTERN = /^[a-z][a-z0-9_-]{0,62}$/;

import type { AliasChange, AliasRecord } from "./alias.js";

/**
 * An alias's history, oldest first. A file written before histories were kept is read as the
 * one change it records (`previous` → `version`), so rolling it back still returns to `previous`.
 */
export function historyOf(record: AliasRecord): AliasChange[] {
  if (record.history !== undefined) return record.history;
  return [
    {
      action: "promote",
      from: record.previous,
      to: record.version,
      at: record.set_at,
      by: record.set_by,
      reason: "recorded before alias histories were kept",
    },
  ];
}

/** What a rollback does: undo change `undoes`, which moved the alias from `version`. */
export interface RollbackStep {
  readonly undoes: number;
  readonly version: string;
}

/**
 * Where "back" is. A rollback undoes the latest change that is still in effect: the last
 * promotion, unless a rollback undid it, in which case the change before the one undone, and so
 * on. Rolling back twice after promoting A, B, C thus goes C → B → A, never B → C again; a
 * promotion made after rollbacks is undone first, then the walk continues below the changes
 * those rollbacks undid. Undefined when the change to undo created the alias (nothing before it).
 */
export function rollbackStep(history: readonly AliasChange[]): RollbackStep | undefined {
  let index = history.length - 1;
  while (index >= 0) {
    const change = history[index]!;
    if (change.action !== "rollback") {
      return change.from === null ? undefined : { undoes: index, version: change.from };
    }
    // Only hand-edited files have a rollback that undoes nothing earlier: treat it as a move.
    if (change.undoes === undefined || change.undoes >= index) {
      return change.from === null ? undefined : { undoes: index, version: change.from };
    }
    index = change.undoes - 1;
  }
  return undefined;
}

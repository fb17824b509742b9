import type { AliasChange } from "../registry/alias.js";

type Print = (line: string) => void;

/**
 * `registry history`: one line per change of an alias, oldest first, numbered as rollbacks refer
 * to them, each rolled-back change marked with the rollback that undid it.
 */
export function printAliasHistory(
  alias: string,
  version: string,
  history: readonly AliasChange[],
  print: Print,
): void {
  print(`${alias} → ${version}; ${history.length} change(s), oldest first:`);
  const undoneBy = new Map<number, number>();
  history.forEach((change, index) => {
    if (change.undoes !== undefined) undoneBy.set(change.undoes, index);
  });
  history.forEach((change, index) => {
    const move = `${change.from ?? "unset"} → ${change.to}`;
    const undo = change.undoes === undefined ? "" : ` (undoes #${change.undoes})`;
    const undone = undoneBy.has(index) ? ` [rolled back by #${undoneBy.get(index)}]` : "";
    const reason = change.reason === "" ? "" : `: ${change.reason}`;
    print(
      `#${index} ${change.at} ${change.action.padEnd(17)} ${move.padEnd(17)} by ${change.by}${undo}${undone}${reason}`,
    );
  });
}

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AliasChange } from "../../src/registry/alias.js";
import { historyOf, rollbackStep } from "../../src/registry/alias-history.js";

const at = "2026-12-01T00:00:00.000Z";
const promote = (from: string | null, to: string): AliasChange => ({
  action: "promote",
  from,
  to,
  at,
  by: "alice",
  reason: "",
});
const rollback = (from: string, to: string, undoes?: number): AliasChange => ({
  action: "rollback",
  from,
  to,
  at,
  by: "bob",
  reason: "",
  ...(undoes === undefined ? {} : { undoes }),
});

describe("where rollback goes", () => {
  it("undoes the last promotion, then the one before it", () => {
    const history = [promote(null, "1.0.0"), promote("1.0.0", "1.0.1"), promote("1.0.1", "1.0.2")];
    assert.deepEqual(rollbackStep(history), { undoes: 2, version: "1.0.1" });
    history.push(rollback("1.0.2", "1.0.1", 2));
    assert.deepEqual(rollbackStep(history), { undoes: 1, version: "1.0.0" });
    history.push(rollback("1.0.1", "1.0.0", 1));
    assert.equal(rollbackStep(history), undefined, "the first promotion created the alias");
  });

  it("undoes a promotion made after rollbacks first, then continues below what they undid", () => {
    const history = [
      promote(null, "1.0.0"),
      promote("1.0.0", "1.0.1"),
      promote("1.0.1", "1.0.2"),
      rollback("1.0.2", "1.0.1", 2),
      promote("1.0.1", "1.0.3"),
    ];
    assert.deepEqual(rollbackStep(history), { undoes: 4, version: "1.0.1" });
    history.push(rollback("1.0.3", "1.0.1", 4));
    assert.deepEqual(rollbackStep(history), { undoes: 1, version: "1.0.0" });
  });

  it("treats a hand-edited rollback that undoes nothing earlier as a plain move", () => {
    assert.deepEqual(rollbackStep([promote(null, "1.0.0"), rollback("1.0.0", "1.0.1")]), {
      undoes: 1,
      version: "1.0.0",
    });
    // Pointing at itself or later would loop forever if followed.
    assert.deepEqual(rollbackStep([promote(null, "1.0.0"), rollback("1.0.0", "1.0.1", 1)]), {
      undoes: 1,
      version: "1.0.0",
    });
  });

  it("reads an alias file without history as the one change it records", () => {
    const record = { alias: "production", version: "1.0.1", set_at: at, set_by: "legacy" };
    const history = historyOf({ ...record, previous: "1.0.0" });
    assert.deepEqual(rollbackStep(history), { undoes: 0, version: "1.0.0" });
    assert.equal(rollbackStep(historyOf({ ...record, previous: null })), undefined);
  });
});

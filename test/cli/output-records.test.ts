import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { outputFormat } from "../../src/cli/score/output-records.js";
import type { ScoredRow } from "../../src/cli/score/score-chunk.js";

const ROWS: ScoredRow[] = [
  { row: 1, id: "L-1", score: 0.123456789 },
  { row: 2, id: undefined, score: 1e-7 },
  { row: 3, id: 'a "quoted"\\ id\n ✓ \u2028', score: 0 },
  { row: 4, id: "L-4", score: Number.NaN },
  { row: 5, id: "L-5", score: 0.5, top: [{ field: "city", attribution: -0.25 }] },
];

describe("outputFormat: JSONL records", () => {
  it("writes each row as JSON.stringify writes its record, under any id field name", () => {
    for (const idField of ["lead_id", 'odd "id"']) {
      const lines = outputFormat("scores.jsonl", idField, 1).lines(ROWS);
      const expected = ROWS.map((row) => {
        const record = { row: row.row, [idField]: row.id ?? null, score: row.score };
        return `${JSON.stringify(row.top === undefined ? record : { ...record, top_attributions: row.top })}\n`;
      }).join("");
      assert.equal(lines, expected);
    }
  });
});

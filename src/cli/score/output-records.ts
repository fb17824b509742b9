import { stringify } from "csv-stringify/sync";
import type { FailedRow, ScoredRow } from "./score-chunk.js";

/** How scored rows become text in the output file. */
export interface OutputFormat {
  /** Written once before the first row (CSV's header); "" for JSONL. */
  readonly header: string;
  lines(rows: readonly ScoredRow[]): string;
}

/**
 * JSONL (one object per row: `row`, the id field, `score`, and with --explain `top_attributions`)
 * or, for an output name ending in .csv, CSV with the same columns, the attributions flattened
 * into `top1_field,top1_attribution,…`.
 */
export function outputFormat(name: string, idField: string, topK: number): OutputFormat {
  if (/\.csv$/i.test(name)) return csvFormat(idField, topK);
  // The text JSON.stringify gives each record, written out: no object per row to stringify.
  const idKey = `,${JSON.stringify(idField)}:`;
  return {
    header: "",
    lines: (rows) => {
      let text = "";
      for (const { row, id, score, top } of rows) {
        text += `{"row":${row}${idKey}${id === undefined ? "null" : JSON.stringify(id)},"score":${jsonNumber(score)}`;
        text += top === undefined ? "}\n" : `,"top_attributions":${JSON.stringify(top)}}\n`;
      }
      return text;
    },
  };
}

/** A number as JSON.stringify writes it: NaN and infinities are null. */
function jsonNumber(value: number): string {
  return Number.isFinite(value) ? String(value) : "null";
}

function csvFormat(idField: string, topK: number): OutputFormat {
  const ranks = Array.from({ length: topK }, (_, i) => i + 1);
  const columns = ["row", idField, "score"].concat(
    ranks.flatMap((rank) => [`top${rank}_field`, `top${rank}_attribution`]),
  );
  return {
    header: stringify([columns]),
    lines: (rows) =>
      rows.length === 0
        ? ""
        : stringify(
            rows.map((row) =>
              [row.row, row.id ?? "", row.score].concat(
                ranks.flatMap((rank) => {
                  const top = row.top?.[rank - 1];
                  return top === undefined ? ["", ""] : [top.field, top.attribution];
                }),
              ),
            ),
          ),
  };
}

/** The errors file: one JSON object per failed row, `row`, the id field, `error` and `code`. */
export function errorLines(rows: readonly FailedRow[], idField: string): string {
  let text = "";
  for (const { row, id, error, code } of rows) {
    text += `${JSON.stringify({ row, [idField]: id ?? null, error, code })}\n`;
  }
  return text;
}

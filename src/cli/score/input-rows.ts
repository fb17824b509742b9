import { StringDecoder } from "node:string_decoder";
import { describeError } from "../../errors.js";
import { csvRecords } from "./csv-records.js";
import { csvColumns, type CsvFields, type CsvTable } from "./csv-columns.js";
import { inShard, type Shard } from "./shard.js";

/**
 * One data row of the input: a JSON object (JSONL), a CSV row's cells with the columns that read
 * them, or why the row could not be read.
 */
export type InputRow =
  | { readonly row: number; readonly instance: Record<string, unknown>; readonly error?: never }
  | {
      readonly row: number;
      readonly cells: readonly string[];
      readonly table: CsvTable;
      readonly error?: never;
      readonly instance?: never;
    }
  | { readonly row: number; readonly error: string; readonly instance?: never };

export type InputFormat = "csv" | "jsonl";

/** The format an input's name says: .csv, or .jsonl / .ndjson (one JSON object per line). */
export function inputFormat(name: string): InputFormat | undefined {
  if (/\.csv$/i.test(name)) return "csv";
  if (/\.(jsonl|ndjson)$/i.test(name)) return "jsonl";
  return undefined;
}

/**
 * The shard's rows of `bytes`, in input order and in batches (one per piece of input read, so a
 * row costs no promise of its own), numbered from 1 among all data rows (the CSV header is not
 * one). A row that cannot be read is yielded with its reason, never dropped; only a file that
 * cannot be read on (a CSV quote never closed) fails the whole run.
 */
export function inputRows(
  bytes: AsyncIterable<Buffer>,
  format: InputFormat,
  fields: CsvFields,
  shard: Shard,
): AsyncIterable<InputRow[]> {
  return format === "csv" ? csvRows(bytes, fields, shard) : jsonLines(bytes, shard);
}

async function* csvRows(
  bytes: AsyncIterable<Buffer>,
  fields: CsvFields,
  shard: Shard,
): AsyncIterable<InputRow[]> {
  // Records as arrays: the header is checked against the model once, not per row, and a row
  // with the wrong number of values is that row's error rather than the parser's.
  let table: CsvTable | undefined;
  let index = 0;
  for await (const records of csvRecords(bytes)) {
    const rows: InputRow[] = [];
    for (const cells of records) {
      if (table === undefined) {
        table = csvColumns(cells, fields);
        continue;
      }
      const row = ++index;
      if (!inShard(shard, row - 1)) continue;
      const error = table.check(cells);
      rows.push(error === undefined ? { row, cells, table } : { row, error });
    }
    if (rows.length > 0) yield rows;
  }
}

/**
 * One JSON object per line. A line break inside a JSON value is always escaped, so splitting the
 * text at line breaks is exact; a CR before the LF is dropped, as a CRLF file has one.
 */
async function* jsonLines(bytes: AsyncIterable<Buffer>, shard: Shard): AsyncIterable<InputRow[]> {
  const decoder = new StringDecoder("utf8");
  let pending = "";
  let row = 0;
  const rowsOf = (lines: readonly string[]): InputRow[] => {
    const rows: InputRow[] = [];
    for (const line of lines) {
      row++;
      if (inShard(shard, row - 1))
        rows.push(jsonRow(row, line.endsWith("\r") ? line.slice(0, -1) : line));
    }
    return rows;
  };
  for await (const chunk of bytes) {
    pending += decoder.write(chunk);
    const end = pending.lastIndexOf("\n");
    if (end < 0) continue;
    const rows = rowsOf(pending.slice(0, end).split("\n"));
    pending = pending.slice(end + 1);
    if (rows.length > 0) yield rows;
  }
  pending += decoder.end();
  if (pending.length > 0) {
    const rows = rowsOf([pending]);
    if (rows.length > 0) yield rows;
  }
}
function jsonRow(row: number, line: string): InputRow {
  if (line.trim() === "") return { row, error: "empty line: expected a JSON object" };
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    return { row, error: `not valid JSON: ${describeError(error)}` };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { row, error: `expected a JSON object (an instance), got ${jsonKind(value)}` };
  }
  return { row, instance: value as Record<string, unknown> };
}

function jsonKind(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`;
}

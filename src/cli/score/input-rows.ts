import { StringDecoder } from "node:string_decoder";
import { describeError } from "../../errors.js";
import { csvRecords, recordValues, type CsvRecords } from "./csv-records.js";
import { csvColumns, type CsvFields, type CsvTable } from "./csv-columns.js";
import { inShard, type Shard } from "./shard.js";

/** One line of a JSONL input: its JSON object, or why the line could not be read. */
export type JsonRow =
  | { readonly row: number; readonly instance: Record<string, unknown>; readonly error?: never }
  | { readonly row: number; readonly error: string; readonly instance?: never };

/**
 * A batch of rows read, in input order, each numbered from 1 among all data rows (the CSV header
 * is not one): JSONL rows one object each; CSV rows as records in place (CsvRecords), no object
 * per row.
 */
export type InputBatch =
  | { readonly kind: "jsonl"; readonly rows: readonly JsonRow[] }
  | {
      readonly kind: "csv";
      readonly table: CsvTable;
      readonly records: CsvRecords;
      /** Per row of the batch: its number, and its record in `records`. */
      readonly rows: Int32Array;
      readonly record: Int32Array;
    };

export type InputFormat = "csv" | "jsonl";

/** The format an input's name says: .csv, or .jsonl / .ndjson (one JSON object per line). */
export function inputFormat(name: string): InputFormat | undefined {
  if (/\.csv$/i.test(name)) return "csv";
  if (/\.(jsonl|ndjson)$/i.test(name)) return "jsonl";
  return undefined;
}

/** Rows `from .. to` of a batch, as a batch (views, not copies, of a CSV batch's arrays). */
export function batchSlice(batch: InputBatch, from: number, to: number): InputBatch {
  return batch.kind === "jsonl"
    ? { kind: "jsonl", rows: batch.rows.slice(from, to) }
    : {
        ...batch,
        rows: batch.rows.subarray(from, to),
        record: batch.record.subarray(from, to),
      };
}

/**
 * The shard's rows of `bytes`, in batches (one per piece of input read, so a row costs no
 * promise of its own). A row that cannot be read is kept with its reason, never dropped; only a
 * file that cannot be read on (a CSV quote never closed) fails the whole run.
 */
export function inputRows(
  bytes: AsyncIterable<Buffer>,
  format: InputFormat,
  fields: CsvFields,
  shard: Shard,
): AsyncIterable<InputBatch> {
  return format === "csv" ? csvRows(bytes, fields, shard) : jsonLines(bytes, shard);
}

async function* csvRows(
  bytes: AsyncIterable<Buffer>,
  fields: CsvFields,
  shard: Shard,
): AsyncIterable<InputBatch> {
  // The header is checked against the model once, not per row; a row with the wrong number of
  // values is that row's error when it is scored.
  let table: CsvTable | undefined;
  let index = 0;
  for await (const records of csvRecords(bytes)) {
    let first = 0;
    if (table === undefined) {
      table = csvColumns(recordValues(records, 0), fields);
      first = 1;
    }
    const rows = new Int32Array(records.count - first);
    const record = new Int32Array(records.count - first);
    let size = 0;
    for (let r = first; r < records.count; r++) {
      const row = ++index;
      if (!inShard(shard, row - 1)) continue;
      rows[size] = row;
      record[size++] = r;
    }
    if (size > 0) {
      yield {
        kind: "csv",
        table,
        records,
        rows: rows.subarray(0, size),
        record: record.subarray(0, size),
      };
    }
  }
}

/**
 * One JSON object per line. A line break inside a JSON value is always escaped, so splitting the
 * text at line breaks is exact; a CR before the LF is dropped, as a CRLF file has one.
 */
async function* jsonLines(bytes: AsyncIterable<Buffer>, shard: Shard): AsyncIterable<InputBatch> {
  const decoder = new StringDecoder("utf8");
  let pending = "";
  let row = 0;
  const rowsOf = (lines: readonly string[]): JsonRow[] => {
    const rows: JsonRow[] = [];
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
    if (rows.length > 0) yield { kind: "jsonl", rows };
  }
  pending += decoder.end();
  if (pending.length > 0) {
    const rows = rowsOf([pending]);
    if (rows.length > 0) yield { kind: "jsonl", rows };
  }
}
function jsonRow(row: number, line: string): JsonRow {
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

import { createInterface } from "node:readline";
import { pipeline, type Readable } from "node:stream";
import { parse } from "csv-parse";
import { describeError } from "../../errors.js";
import { csvColumns, type CsvFields, type CsvRow } from "./csv-columns.js";
import { inShard, type Shard } from "./shard.js";

/** One data row of the input: its instance, or why it could not be read as one. */
export type InputRow =
  | {
      readonly row: number;
      readonly instance: Record<string, unknown>;
      /** The id when it was read beside the instance (CSV); else the instance's id field. */
      readonly id?: string;
      readonly error?: never;
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
 * The shard's rows of `bytes`, in input order, numbered from 1 among all data rows (the CSV
 * header is not one). A row that cannot be read is yielded with its reason, never dropped; only a
 * file that cannot be read on (a CSV quote never closed) fails the whole run.
 */
export function inputRows(
  bytes: Readable,
  format: InputFormat,
  fields: CsvFields,
  shard: Shard,
): AsyncIterable<InputRow> {
  return format === "csv" ? csvRows(bytes, fields, shard) : jsonLines(bytes, shard);
}

async function* csvRows(bytes: Readable, fields: CsvFields, shard: Shard): AsyncIterable<InputRow> {
  // Records as arrays: the header is checked against the model once, not per row, and a row
  // with the wrong number of values is that row's error rather than the parser's.
  const records = pipeline(
    bytes,
    parse({ bom: true, relax_column_count: true }),
    () => undefined, // the error reaches the loop below through the destroyed parser
  ) as AsyncIterable<string[]>;
  let decode: ((values: string[]) => CsvRow) | undefined;
  let index = 0;
  for await (const values of records) {
    if (decode === undefined) {
      decode = csvColumns(values, fields);
      continue;
    }
    const row = ++index;
    if (!inShard(shard, row - 1)) continue;
    const decoded = decode(values);
    yield "error" in decoded
      ? { row, error: decoded.error }
      : {
          row,
          instance: decoded.instance,
          ...(decoded.id === undefined ? {} : { id: decoded.id }),
        };
  }
}

async function* jsonLines(bytes: Readable, shard: Shard): AsyncIterable<InputRow> {
  let row = 0;
  for await (const line of createInterface({ input: bytes, crlfDelay: Infinity })) {
    row++;
    if (!inShard(shard, row - 1)) continue;
    yield jsonRow(row, line);
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

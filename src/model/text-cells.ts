/**
 * Rows of values given as text, as a CSV file has them: each cell a byte range of UTF-8 text,
 * row-major, `fields.length` cells a row. Batch scoring hands these to the data plane as they lie
 * in the input, so a row that encodes needs no string per cell (a million rows of 25 cells were
 * 25 million strings, and a tenth of the CPU went to collecting them).
 */
export interface TextCells {
  readonly bytes: Buffer;
  /** Cell i is `bytes[start[i] .. end[i])`. */
  readonly start: Int32Array;
  readonly end: Int32Array;
  /** 1 where the cell's quotes are doubled, as CSV escapes them inside a quoted value. */
  readonly doubledQuotes: Uint8Array;
}

const DOUBLED_QUOTES = /""/g;

/** Cell i's text. */
export function cellText(cells: TextCells, i: number): string {
  const text = cells.bytes.toString("utf8", cells.start[i], cells.end[i]);
  return cells.doubledQuotes[i] === 1 ? text.replace(DOUBLED_QUOTES, '"') : text;
}

/** A decimal number as a CRM exports it; anything else stays text for the checks to refuse. */
const DECIMAL = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

/**
 * What a text cell means. Text has no null and no numbers: an empty cell is a missing value
 * (null), as an empty JSON field would be left out, and a number field's cell is a number when
 * it is one. Any other text stays text, so the checks refuse it with the message /predict gives
 * for a string there ("expected a number or null, got string …").
 */
export function textValue(text: string, numberField: boolean): unknown {
  if (text === "") return null;
  return numberField && DECIMAL.test(text) ? Number(text) : text;
}

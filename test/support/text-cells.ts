import type { TextCells } from "../../src/model/text-cells.js";

/**
 * Rows of cell texts as TextCells, laid out as a CSV file lays them out: a text holding a quote
 * is stored with its quotes doubled (and flagged), as inside a quoted CSV value; `raw` gives a
 * cell's bytes as they are (e.g. malformed UTF-8).
 */
export function textCells(rows: readonly (readonly (string | Uint8Array)[])[]): TextCells {
  const parts: Buffer[] = [];
  const cells = rows.flat();
  const start = new Int32Array(cells.length);
  const end = new Int32Array(cells.length);
  const doubledQuotes = new Uint8Array(cells.length);
  let at = 0;
  cells.forEach((cell, i) => {
    const doubled = typeof cell === "string" && cell.includes('"');
    const bytes =
      typeof cell === "string"
        ? Buffer.from(doubled ? cell.replaceAll('"', '""') : cell, "utf8")
        : Buffer.from(cell);
    // A separator between cells, as in a file: ranges never touch.
    parts.push(bytes, Buffer.from(","));
    start[i] = at;
    end[i] = at + bytes.length;
    doubledQuotes[i] = doubled ? 1 : 0;
    at += bytes.length + 1;
  });
  return { bytes: Buffer.concat(parts), start, end, doubledQuotes };
}

/** An instance's field as the text a CSV cell would hold: "" for missing, numbers as JS writes them. */
export function cellOf(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string" || typeof value === "number") return String(value);
  throw new Error(`no CSV cell holds ${JSON.stringify(value)}`);
}

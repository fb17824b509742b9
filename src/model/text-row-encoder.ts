import type { ByteKeys } from "./byte-keys.js";
import { NOT_A_KEY } from "./byte-keys.js";
import type { ValueLayout } from "./preprocessor.js";
import { cellText, textValue, type TextCells } from "./text-cells.js";

/** A number field as the encoder needs it (Preprocessor's compiled column). */
export interface NumericTarget {
  readonly fill: number;
  readonly mean: number;
  readonly scale: number;
  readonly index: number;
}

/** A string field: its text's output column (categories and missing sentinels), and its fill's. */
export interface CategoricalTarget {
  readonly name: string;
  readonly columns: ByteKeys;
  readonly fillColumn: number;
}

/**
 * Up to 15 significant digits, a decimal's digits form an integer below 2^53 and its power of
 * ten is exact, so one division rounds to the double Number(text) gives (Clinger's fast path).
 */
const MAX_DIGITS = 15;
const POWERS_OF_TEN = Float64Array.from({ length: MAX_DIGITS + 1 }, (_, k) => 10 ** k);

/**
 * Encodes a row of text cells (TextCells) straight from its bytes, when every cell is plain: a
 * number field's cell empty, a missing sentinel or a decimal of up to 15 digits; a string
 * field's cell empty, a category, a sentinel or ASCII text no category has; no cell longer than
 * the longest string allowed, none with doubled quotes. Then it writes what
 * Preprocessor.encodeValuesInto writes for the values those cells mean (textValue), with the
 * same float64 arithmetic, and says yes. Anything else, it says no and the caller takes the
 * general path, which alone decides errors and their messages: this is a shortcut for the
 * common row, never a second set of rules (test/model/text-row-encoder.test.ts compares the two
 * on every kind of cell).
 */
export class TextRowEncoder {
  /** Per cell of a row: whether its field is a number field (how textValue reads it). */
  private readonly numberCell: Uint8Array;

  constructor(
    readonly layout: ValueLayout,
    private readonly numeric: readonly NumericTarget[],
    private readonly categorical: readonly CategoricalTarget[],
    /** The missing sentinels (a number field's "Select" is its fill). */
    private readonly missing: ByteKeys,
    private readonly maxStringLength: number,
  ) {
    this.numberCell = new Uint8Array(layout.width);
    for (const position of layout.numeric) if (position >= 0) this.numberCell[position] = 1;
  }

  /**
   * Encodes the row whose cells start at `first` into `out[base ..]` (zeroed), pushing the name
   * of each string field whose text is an unseen category onto `unseen`; false, with `out` and
   * `unseen` possibly written, when the row needs the general path.
   */
  encodeInto(
    cells: TextCells,
    first: number,
    out: Float32Array,
    base: number,
    unseen: string[],
  ): boolean {
    const { bytes, start, end } = cells;
    const { layout } = this;
    for (let k = 0; k < layout.width; k++) if (!this.plain(cells, first + k)) return false;
    for (let c = 0; c < this.numeric.length; c++) {
      const column = this.numeric[c]!;
      const i = first + layout.numeric[c]!;
      let value = column.fill;
      // An absent field (position -1) and an empty cell both take the fill.
      if (i >= first && end[i]! > start[i]!) {
        value = decimal(bytes, start[i]!, end[i]!);
        if (Number.isNaN(value)) {
          if (this.missing.get(bytes, start[i]!, end[i]!) === NOT_A_KEY) return false;
          value = column.fill;
        }
      }
      out[base + column.index] = (value - column.mean) / column.scale;
    }
    for (let c = 0; c < this.categorical.length; c++) {
      const column = this.categorical[c]!;
      const i = first + layout.categorical[c]!;
      let target = column.fillColumn;
      if (i >= first && end[i]! > start[i]!) {
        target = column.columns.get(bytes, start[i]!, end[i]!);
        if (target === NOT_A_KEY) {
          // Bytes that are not ASCII could be malformed UTF-8, whose text (with U+FFFD) might
          // still name a category: the general path decides.
          if (!ascii(bytes, start[i]!, end[i]!)) return false;
          unseen.push(column.name);
          target = -1;
        }
      }
      if (target >= 0) out[base + target] = 1;
    }
    return true;
  }

  /** A cell the shortcut may read: no doubled quotes to undo, no longer than any string may be. */
  private plain(cells: TextCells, i: number): boolean {
    return cells.doubledQuotes[i] === 0 && cells.end[i]! - cells.start[i]! <= this.maxStringLength;
  }

  /** The values the row's cells mean, into `values[0 .. layout.width)`: the general path's. */
  valuesInto(cells: TextCells, first: number, values: unknown[]): void {
    for (let k = 0; k < this.layout.width; k++) {
      values[k] = textValue(cellText(cells, first + k), this.numberCell[k] === 1);
    }
  }
}

/**
 * `bytes[from .. to)` as an optionally signed decimal of 1–15 digits (the double Number() reads),
 * or NaN for any other text.
 */
export function decimal(bytes: Uint8Array, from: number, to: number): number {
  let i = from;
  const sign = bytes[i];
  if (sign === 0x2d || sign === 0x2b) i++;
  let digits = 0;
  let fraction = -1;
  let mantissa = 0;
  for (; i < to; i++) {
    const byte = bytes[i]!;
    if (byte >= 0x30 && byte <= 0x39) {
      mantissa = mantissa * 10 + (byte - 0x30);
      digits++;
    } else if (byte === 0x2e && fraction < 0) {
      fraction = digits;
    } else {
      return NaN;
    }
  }
  if (digits === 0 || digits > MAX_DIGITS) return NaN;
  const value = fraction < 0 ? mantissa : mantissa / POWERS_OF_TEN[digits - fraction]!;
  return sign === 0x2d ? -value : value;
}

function ascii(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (bytes[i]! >= 0x80) return false;
  return true;
}

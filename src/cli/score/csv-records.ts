import { InvalidInputError } from "../../errors.js";
import { cellText, type TextCells } from "../../model/text-cells.js";

/**
 * The longest a record may be, in bytes (a quoted value may hold line breaks). Past it the input
 * is refused rather than held: a quote never closed would otherwise read the whole file into
 * memory.
 */
export const MAX_RECORD_BYTES = 4 * 1024 * 1024;

/**
 * Input is split into records this many bytes at a time (~100 rows of leads), whatever the size
 * the stream reads: a batch's rows live until they are scored, and fewer of them then outlive
 * V8's young generation (--max-semi-space-size=4) to be promoted and collected again.
 */
export const PIECE_BYTES = 16 * 1024;

/** A batch of complete records: their cells as byte ranges of `bytes` (TextCells). */
export interface CsvRecords extends TextCells {
  readonly count: number;
  /** Record r's cells are firstCell[r] .. firstCell[r + 1] - 1 (count + 1 entries). */
  readonly firstCell: Int32Array;
}

/** Record r's values as strings (the header; a row taken apart for the general path). */
export function recordValues(records: CsvRecords, r: number): string[] {
  const values: string[] = [];
  for (let i = records.firstCell[r]!; i < records.firstCell[r + 1]!; i++) {
    values.push(cellText(records, i));
  }
  return values;
}

/**
 * The records of a CSV byte stream (RFC 4180 and Excel's dialect: quoted values with `""`,
 * commas and line breaks; CRLF or LF, as the first line ends; a UTF-8 byte order mark), in
 * batches, one per piece of input read, so a record costs no promise of its own.
 *
 * Records are split in place, as byte ranges, rather than by a CSV library: every library read
 * (papaparse, csv-parse) makes a string of every cell, and at a million rows of 25 cells those
 * strings, made and collected, cost more CPU than scoring them. A quote never closed, or text
 * after a closing quote, fails the whole run, naming the record: the rows after it could not be
 * told apart.
 */
export async function* csvRecords(bytes: AsyncIterable<Buffer>): AsyncIterable<CsvRecords> {
  const splitter = new RecordSplitter();
  for await (const chunk of bytes) {
    for (let at = 0; at < chunk.length; at += PIECE_BYTES) {
      const records = splitter.add(chunk.subarray(at, at + PIECE_BYTES));
      if (records !== undefined) yield records;
    }
  }
  const records = splitter.end();
  if (records !== undefined) yield records;
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

/** Splits the input into records piece by piece, holding back the last, incomplete one. */
class RecordSplitter {
  private pending: Buffer = Buffer.alloc(0);
  private recordsBefore = 0;
  private started = false;
  /** CRLF or LF, as the first line ends; undefined until a line has ended. */
  private crlf: boolean | undefined;
  // Scratch space for one scan's cells, grown as needed and copied out at the right size.
  private cellStart = new Int32Array(4096);
  private cellEnd = new Int32Array(4096);
  private cellDoubled = new Uint8Array(4096);
  private firstCell = new Int32Array(1024);

  add(piece: Buffer): CsvRecords | undefined {
    this.pending = this.pending.length === 0 ? piece : Buffer.concat([this.pending, piece]);
    if (!this.started) {
      if (this.pending.length < 3 && isBomPrefix(this.pending)) return undefined;
      this.started = true;
      if (isBomPrefix(this.pending)) this.pending = this.pending.subarray(3);
    }
    if (this.crlf === undefined) {
      const lf = this.pending.indexOf(LF);
      if (lf < 0) return this.holding();
      this.crlf = lf > 0 && this.pending[lf - 1] === CR;
    }
    return this.scan(false);
  }

  end(): CsvRecords | undefined {
    if (!this.started && isBomPrefix(this.pending)) this.pending = this.pending.subarray(3);
    this.crlf ??= false;
    return this.pending.length === 0 ? undefined : this.scan(true);
  }

  private holding(): undefined {
    if (this.pending.length > MAX_RECORD_BYTES) {
      throw new InvalidInputError(
        `CSV record ${this.recordsBefore + 1} (the header is record 1) runs over ` +
          `${MAX_RECORD_BYTES} bytes: a quote that is never closed?`,
      );
    }
    return undefined;
  }

  /** Splits the pending bytes into records; `last`: no more input comes. */
  private scan(last: boolean): CsvRecords | undefined {
    const text = this.pending;
    const n = text.length;
    const crlf = this.crlf === true;
    let cells = 0;
    let count = 0;
    let consumed = 0;
    let i = 0;
    this.firstCell[0] = 0;
    // One pass: `i` is always at the start of a cell; a record is kept only once it is complete.
    for (;;) {
      if (cells + 1 >= this.cellStart.length) this.grow();
      let cellEnd: number;
      let next: number;
      let doubled = 0;
      if (i < n && text[i] === QUOTE) {
        let close = i + 1;
        for (;;) {
          close = text.indexOf(QUOTE, close);
          if (close < 0 || (close + 1 === n && !last)) return this.finish(count, consumed, last, i);
          if (text[close + 1] !== QUOTE) break;
          doubled = 1;
          close += 2;
        }
        this.cellStart[cells] = i + 1;
        cellEnd = close;
        next = close + 1;
        // A CR that ends the input so far may be half of a CRLF: wait for the next piece.
        if (crlf && !last && next === n - 1 && text[next] === CR) {
          return this.finish(count, consumed, last, i);
        }
        if (next < n && text[next] !== COMMA && !lineBreakAt(text, next, crlf)) {
          throw new InvalidInputError(
            `CSV record ${this.recordsBefore + count + 1} (the header is record 1): text after ` +
              "the closing quote of a quoted value is malformed (a quote inside a value is " +
              'written twice: "")',
          );
        }
      } else {
        this.cellStart[cells] = i;
        next = i;
        while (next < n && text[next] !== COMMA && !lineBreakAt(text, next, crlf)) next++;
        if (next === n && !last) return this.finish(count, consumed, last, i);
        cellEnd = next;
      }
      this.cellEnd[cells] = cellEnd;
      this.cellDoubled[cells] = doubled;
      cells++;
      if (next < n && text[next] === COMMA) {
        i = next + 1;
        continue;
      }
      // The record ends: at a line break, or at the end of the input.
      count++;
      if (count + 1 >= this.firstCell.length) this.firstCell = grown(this.firstCell);
      this.firstCell[count] = cells;
      consumed = next >= n ? n : next + (crlf ? 2 : 1);
      i = consumed;
      if (i >= n) return this.finish(count, consumed, last, i);
    }
  }

  /** Hands out the `count` complete records and keeps the bytes from `consumed` on. */
  private finish(
    count: number,
    consumed: number,
    last: boolean,
    at: number,
  ): CsvRecords | undefined {
    if (last && consumed < this.pending.length) {
      throw new InvalidInputError(
        `CSV record ${this.recordsBefore + count + 1} (the header is record 1): Quoted field ` +
          `unterminated (the quote at byte ${at - consumed} of the record is never closed)`,
      );
    }
    const text = this.pending;
    const cells = this.firstCell[count]!;
    this.pending = this.pending.subarray(consumed);
    if (count === 0) return this.holding();
    this.recordsBefore += count;
    return {
      bytes: text,
      count,
      firstCell: this.firstCell.slice(0, count + 1),
      start: this.cellStart.slice(0, cells),
      end: this.cellEnd.slice(0, cells),
      doubledQuotes: this.cellDoubled.slice(0, cells),
    };
  }

  private grow(): void {
    this.cellStart = grown(this.cellStart);
    this.cellEnd = grown(this.cellEnd);
    this.cellDoubled = grown(this.cellDoubled);
  }
}

/** A copy of `array` in one twice as long. */
function grown<T extends Int32Array<ArrayBuffer> | Uint8Array<ArrayBuffer>>(array: T): T {
  const bigger = new (array.constructor as new (length: number) => T)(array.length * 2);
  bigger.set(array);
  return bigger;
}

function lineBreakAt(text: Buffer, at: number, crlf: boolean): boolean {
  return crlf ? text[at] === CR && text[at + 1] === LF : text[at] === LF;
}

/** The bytes start as a UTF-8 byte order mark does (EF BB BF), or as much of it as there is. */
function isBomPrefix(bytes: Buffer): boolean {
  const bom = [0xef, 0xbb, 0xbf];
  const length = Math.min(bytes.length, 3);
  for (let i = 0; i < length; i++) if (bytes[i] !== bom[i]) return false;
  return length > 0;
}

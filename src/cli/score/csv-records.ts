import { StringDecoder } from "node:string_decoder";
import Papa from "papaparse";
import { InvalidInputError } from "../../errors.js";

/**
 * The longest text a record may span (a quoted value may hold line breaks). Past it the input is
 * refused rather than held: a quote never closed would otherwise read the whole file into memory.
 */
export const MAX_RECORD_CHARS = 4 * 1024 * 1024;

/**
 * Input is parsed this many bytes at a time (~100 rows of leads), whatever the size the stream
 * reads: the rows of a piece live until they are scored, and fewer of them then outlive V8's
 * young generation (--max-semi-space-size=4) to be promoted and collected again, which was a
 * fifth of the CPU with the stream's 64 KiB.
 */
export const PIECE_BYTES = 16 * 1024;

/**
 * The records of a CSV byte stream (RFC 4180 and Excel's dialect: quoted values with `""`,
 * commas and line breaks; CRLF or LF; a UTF-8 byte order mark), in batches: one batch per piece
 * of input read, so a record costs no promise of its own.
 *
 * papaparse parses (it read the real input ~3× faster than csv-parse, in CPU time under Node
 * 24). Its Parser is driven here rather than through its stream modes: its Node readable mode
 * keeps queueing input while paused, and its duplex mode drops the parse errors, so neither keeps
 * both the backpressure and the errors. One Parser serves the whole input (a Papa.parse call per
 * piece cost twice the CPU, most of it garbage collection); each piece is parsed up to its last
 * complete record (`ignoreLastRow`), and the rest waits for the next piece. A quote never closed,
 * or text after a closing quote, fails the whole run (as the reader before papaparse did),
 * naming the record.
 */
export async function* csvRecords(bytes: AsyncIterable<Buffer>): AsyncIterable<string[][]> {
  const decoder = new StringDecoder("utf8");
  let pending = "";
  let parser: Papa.Parser | undefined;
  let recordsBefore = 0;
  const parsed = (text: string, last: boolean): string[][] => {
    // The line break is the first one's: CRLF (Excel) or LF, as papaparse itself would guess.
    parser ??= new Papa.Parser({
      delimiter: ",",
      newline: /^[^\n]*\r\n/.test(text) ? "\r\n" : "\n",
    });
    const result = parser.parse(text, 0, !last) as Papa.ParseResult<string[]>;
    const error = result.errors[0];
    if (error !== undefined) {
      const record = recordsBefore + (error.row ?? 0) + 1;
      throw new InvalidInputError(
        `CSV record ${record} (the header is record 1): ${error.message}`,
      );
    }
    recordsBefore += result.data.length;
    pending = last ? "" : text.slice(result.meta.cursor);
    return result.data;
  };
  for await (const piece of pieces(bytes)) {
    pending += decoder.write(piece);
    if (recordsBefore === 0 && pending.charCodeAt(0) === 0xfeff) pending = pending.slice(1);
    const records = parser === undefined && !pending.includes("\n") ? [] : parsed(pending, false);
    if (records.length > 0) yield records;
    else if (pending.length > MAX_RECORD_CHARS) {
      throw new InvalidInputError(
        `CSV record ${recordsBefore + 1} (the header is record 1) runs over ` +
          `${MAX_RECORD_CHARS} characters: a quote that is never closed?`,
      );
    }
  }
  pending += decoder.end();
  if (pending.length > 0) yield parsed(pending, true);
}

/** The stream's chunks cut into pieces of at most PIECE_BYTES (views, not copies). */
async function* pieces(bytes: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
  for await (const chunk of bytes) {
    for (let at = 0; at < chunk.length; at += PIECE_BYTES) {
      yield chunk.subarray(at, at + PIECE_BYTES);
    }
  }
}

import { StringDecoder } from "node:string_decoder";
import Papa from "papaparse";
import { InvalidInputError } from "../../errors.js";

/**
 * The longest text a record may span (a quoted value may hold line breaks). Past it the input is
 * refused rather than held: a quote never closed would otherwise read the whole file into memory.
 */
export const MAX_RECORD_CHARS = 4 * 1024 * 1024;

/**
 * The records of a CSV byte stream (RFC 4180 and Excel's dialect: quoted values with `""`,
 * commas and line breaks; CRLF or LF; a UTF-8 byte order mark), in batches: one batch per piece
 * of input read, so a record costs no promise of its own.
 *
 * papaparse parses each piece (it read the real input ~4× faster than csv-parse, in CPU time
 * under Node 24). It is fed here rather than through its own stream modes: its Node readable mode
 * keeps queueing input while paused, and its duplex mode drops the parse errors, so neither keeps
 * both the backpressure and the errors. Feeding it complete records only needs where the last
 * one ends: a line break after an even number of quotes, which is where papaparse ends a record
 * too; a cut anywhere else leaves a quote open, which papaparse reports, so it cannot go unseen.
 * A quote never closed, or text after a closing quote, fails the whole run (as the reader
 * before papaparse did), naming the record's line.
 */
export async function* csvRecords(bytes: AsyncIterable<Buffer>): AsyncIterable<string[][]> {
  const decoder = new StringDecoder("utf8");
  let pending = "";
  let newline: "\n" | "\r\n" | undefined;
  let recordsBefore = 0;
  const parsed = (text: string): string[][] => {
    // Text between two line breaks is one record even when empty; papaparse reads "" as none.
    if (text === "") {
      recordsBefore++;
      return [[""]];
    }
    const result = Papa.parse<string[]>(text, { delimiter: ",", newline: newline ?? "\n" });
    const error = result.errors[0];
    if (error !== undefined) {
      const line = recordsBefore + (error.row ?? 0) + 1;
      throw new InvalidInputError(`CSV record ${line} (the header is record 1): ${error.message}`);
    }
    recordsBefore += result.data.length;
    return result.data;
  };
  for await (const chunk of bytes) {
    pending += decoder.write(chunk);
    if (recordsBefore === 0 && pending.charCodeAt(0) === 0xfeff) pending = pending.slice(1);
    const end = lastRecordEnd(pending);
    if (end < 0) {
      if (pending.length > MAX_RECORD_CHARS) {
        throw new InvalidInputError(
          `CSV record ${recordsBefore + 1} (the header is record 1) runs over ` +
            `${MAX_RECORD_CHARS} characters: a quote that is never closed?`,
        );
      }
      continue;
    }
    newline ??= end > 0 && pending[end - 1] === "\r" ? "\r\n" : "\n";
    const cut = newline === "\r\n" && pending[end - 1] === "\r" ? end - 1 : end;
    const text = pending.slice(0, cut);
    pending = pending.slice(end + 1);
    yield parsed(text);
  }
  pending += decoder.end();
  if (pending.length > 0) yield parsed(pending);
}

/**
 * Where the last complete record of `text` ends: the index of the last line break outside
 * quotes (after an even number of them), or -1. One pass, jumping from quote to line break.
 */
function lastRecordEnd(text: string): number {
  let end = -1;
  let quoted = false;
  let quote = text.indexOf('"');
  for (let at = text.indexOf("\n"); at >= 0;) {
    if (quote >= 0 && quote < at) {
      quoted = !quoted;
      quote = text.indexOf('"', quote + 1);
      continue;
    }
    if (!quoted) end = at;
    at = text.indexOf("\n", at + 1);
  }
  return end;
}

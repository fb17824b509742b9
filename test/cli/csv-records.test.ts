import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { describe, it } from "node:test";
import { parse } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";
import { mulberry32 } from "../../src/model/explain/prng.js";
import { csvRecords, MAX_RECORD_BYTES, recordValues } from "../../src/cli/score/csv-records.js";

/** `text`'s bytes in pieces cut at `cuts` (byte offsets), as a stream would deliver them. */
function pieces(text: string, cuts: readonly number[]): AsyncIterable<Buffer> {
  const bytes = Buffer.from(text, "utf8");
  const ends = [...cuts, bytes.length];
  return Readable.from(ends.map((end, i) => bytes.subarray(i === 0 ? 0 : ends[i - 1], end)));
}

async function records(text: string, cuts: readonly number[] = []): Promise<string[][]> {
  const all: string[][] = [];
  for await (const batch of csvRecords(pieces(text, cuts))) {
    for (let r = 0; r < batch.count; r++) all.push(recordValues(batch, r));
  }
  return all;
}

/** An independent reader (the one batch scoring used before) as the reference. */
function reference(text: string): string[][] {
  const records: string[][] = parse(text, { bom: true, relax_column_count: true });
  return records;
}

const CASES: Record<string, string> = {
  "LF, a last line without a break": "id,city,visits\nL-1,Pune,3\nL-2,,\n",
  "CRLF (Excel)": 'id,city,visits\r\nL-1,"Navi Mumbai, MH",3\r\nL-2,Thane,4\r\n',
  "quoted quotes and line breaks": 'id,note\nL-1,"said ""hi""\nthen left"\nL-2,"a\r\nb"\nL-3,x',
  "a byte order mark and non-ASCII text": "\ufeffid,city\nL-1,München\nL-2,São Paulo ✓\n",
  "an empty line and a short row": "id,city,visits\nL-1,Pune,3\n\nL-3,Goa\n",
};

describe("csvRecords: CSV records in batches, split in place", () => {
  for (const [name, text] of Object.entries(CASES)) {
    it(`${name}: the records csv-parse reads, wherever the input is cut`, async () => {
      const expected = reference(text);
      assert.deepEqual(await records(text), expected);
      const length = Buffer.byteLength(text);
      for (let cut = 1; cut < length; cut++) {
        assert.deepEqual(await records(text, [cut]), expected, `cut at byte ${cut}`);
      }
      const everyByte = Array.from({ length: length - 1 }, (_, i) => i + 1);
      assert.deepEqual(await records(text, everyByte), expected, "one byte at a time");
    });
  }

  it("random documents (quotes, commas, line breaks, CRLF or LF, non-ASCII): csv-parse's records, cut anywhere", async () => {
    const random = mulberry32(11);
    const pieces = ["a", "Pune", "", '"', ",", "\n", "\r\n", "\r", "München ✓", " ", "12.5", '""'];
    const cell = () =>
      Array.from(
        { length: Math.floor(random() * 4) },
        () => pieces[Math.floor(random() * pieces.length)]!,
      ).join("");
    for (let doc = 0; doc < 200; doc++) {
      const width = 1 + Math.floor(random() * 4);
      const header = Array.from({ length: width }, (_, k) => `c${k}`);
      const rows = Array.from({ length: 1 + Math.floor(random() * 6) }, () =>
        Array.from({ length: width }, cell),
      );
      const text = stringify([header, ...rows], {
        record_delimiter: random() < 0.5 ? "unix" : "windows",
        quoted: random() < 0.3,
      });
      const expected = reference(text);
      const length = Buffer.byteLength(text);
      const cuts = [
        ...new Set(Array.from({ length: 3 }, () => 1 + Math.floor(random() * (length - 1)))),
      ];
      assert.deepEqual(
        await records(
          text,
          cuts.sort((x, y) => x - y),
        ),
        expected,
        JSON.stringify(text),
      );
    }
  });

  it("fails on a quote never closed, naming its record", async () => {
    await assert.rejects(
      records('id,note\nL-1,fine\nL-2,"never closed\nL-3,x\n', [12, 20]),
      /CSV record 3 \(the header is record 1\): Quoted field unterminated/,
    );
  });

  it("fails on text after a closing quote", async () => {
    await assert.rejects(records('id,note\nL-1,"closed"x\n'), /CSV record 2 .*malformed/);
  });

  it("holds no more than MAX_RECORD_BYTES of an open record: it fails instead", async () => {
    const open = `id,note\nL-1,"${"x".repeat(64 * 1024)}`;
    // 80 more pieces of 64 KiB of line breaks, all inside the open quote: 5 MiB in all.
    const more = Array.from({ length: 80 }, () => Buffer.from("y\n".repeat(32 * 1024)));
    const read = async () => {
      const input = Readable.from([Buffer.from(open), ...more]);
      for await (const batch of csvRecords(input)) assert.ok(batch.count >= 0);
    };
    await assert.rejects(read(), new RegExp(`record 2 .* runs over ${MAX_RECORD_BYTES} bytes`));
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkStringLength } from "../../src/dataplane/string-lengths.js";
import { mulberry32 } from "../../src/model/explain/prng.js";
import { Preprocessor } from "../../src/model/preprocessor.js";
import { decimal } from "../../src/model/text-row-encoder.js";
import { builtInModel } from "../support/app.js";
import { textCells } from "../support/text-cells.js";

const MAX_STRING_LENGTH = 40;

/** Cells a number field may hold: plain ones the shortcut takes, and every kind it must not. */
const NUMBER_CELLS = {
  plain: ["", "0", "-0", "+3", "12", "12.", ".5", "-3.14159", "007", "123456789012345", "Select"],
  general: [
    "1234567890123456", // 16 digits: past the exact fast path
    "0.0000000000000001",
    "1e3",
    "1E-2",
    " 4",
    "4 ",
    "five",
    "-",
    ".",
    "1.2.3",
    "+-1",
    "Infinity",
    "1e999",
    "9".repeat(MAX_STRING_LENGTH + 1),
    'say "1"',
  ],
};

/** Cells a string field may hold, beside its own categories. */
const TEXT_CELLS = {
  plain: ["", "Select", "Nowhere", "missing", "no", "NO "],
  general: [
    "München",
    Uint8Array.of(0xff, 0x41),
    Uint8Array.of(0xef, 0xbf, 0xbd),
    'a "quoted" place',
    "x".repeat(MAX_STRING_LENGTH + 1),
  ],
};

/** The general path of encodeEachText: the values the cells mean, checked and encoded. */
function generalPath(preprocessor: Preprocessor, names: readonly string[], row: unknown) {
  const encoder = preprocessor.textEncoder(names, MAX_STRING_LENGTH);
  const cells = row as Parameters<typeof encoder.valuesInto>[0];
  const values: unknown[] = [];
  encoder.valuesInto(cells, 0, values);
  values.forEach((value, k) => checkStringLength(value, names[k]!, MAX_STRING_LENGTH, 0));
  const out = new Float32Array(preprocessor.width);
  const unseen: string[] = [];
  preprocessor.encodeValuesInto(values, 0, encoder.layout, out, 0, (field) => unseen.push(field));
  return { out, unseen };
}

describe("TextRowEncoder: the shortcut from a row's bytes to its features", () => {
  it("writes exactly what the general path writes, on every kind of cell, or leaves the row to it", async () => {
    const { preprocessor } = await builtInModel();
    const fields = preprocessor.spec.fields;
    // Every field but a few (absent fields take their fill), in a shuffled column order.
    const random = mulberry32(17);
    const names = fields
      .map((field) => field.name)
      .filter(() => random() > 0.1)
      .sort(() => random() - 0.5);
    const encoder = preprocessor.textEncoder(names, MAX_STRING_LENGTH);
    const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
    let taken = 0;
    const ROWS = 3000;
    for (let n = 0; n < ROWS; n++) {
      // Most rows plain; some with one cell of any kind.
      const odd = n % 3 === 0 ? Math.floor(random() * names.length) : -1;
      const row = names.map((name, k) => {
        const field = fields.find((f) => f.name === name)!;
        const kinds = field.type === "numeric" ? NUMBER_CELLS : TEXT_CELLS;
        if (k === odd) return pick([...kinds.plain, ...kinds.general]);
        if (field.type === "numeric") {
          return random() < 0.2 ? pick(kinds.plain) : (random() * 2000 - 500).toFixed(n % 4);
        }
        return random() < 0.2 ? pick(kinds.plain) : pick(field.categories);
      });
      const cells = textCells([row]);
      const out = new Float32Array(preprocessor.width);
      const unseen: string[] = [];
      if (!encoder.encodeInto(cells, 0, out, 0, unseen)) {
        const isGeneral = row.some((cell) =>
          [...NUMBER_CELLS.general, ...TEXT_CELLS.general].includes(cell),
        );
        assert.ok(isGeneral, `a plain row left to the general path: ${JSON.stringify(row)}`);
        continue;
      }
      taken++;
      const expected = generalPath(preprocessor, names, cells);
      assert.deepEqual(
        new Uint32Array(out.buffer),
        new Uint32Array(expected.out.buffer),
        `row ${JSON.stringify(row)}: the same float32 bits`,
      );
      assert.deepEqual(
        unseen,
        expected.unseen,
        `row ${JSON.stringify(row)}: the same unseen fields`,
      );
    }
    // Two thirds of the rows are plain throughout; the rest mostly hold a general cell.
    assert.ok(taken >= (ROWS * 2) / 3, `the shortcut took ${taken} of ${ROWS} rows`);
  });

  it("reads a decimal of up to 15 digits as Number() does, bit for bit, and no other text", () => {
    const random = mulberry32(5);
    for (let n = 0; n < 50000; n++) {
      const digits = 1 + Math.floor(random() * 15);
      let text = Array.from({ length: digits }, () => Math.floor(random() * 10)).join("");
      const dot = Math.floor(random() * (digits + 2)) - 1;
      if (dot >= 0) text = `${text.slice(0, dot)}.${text.slice(dot)}`;
      if (random() < 0.3) text = `${random() < 0.5 ? "-" : "+"}${text}`;
      const bytes = Buffer.from(`,${text},`);
      assert.ok(Object.is(decimal(bytes, 1, bytes.length - 1), Number(text)), text);
    }
    for (const text of [
      "",
      "-",
      ".",
      "+.",
      "1e3",
      " 1",
      "1 ",
      "1.2.3",
      "0x1F",
      "1234567890123456",
    ]) {
      assert.ok(Number.isNaN(decimal(Buffer.from(text), 0, text.length)), JSON.stringify(text));
    }
  });

  it("leaves malformed UTF-8 to the general path, whose text (with U+FFFD) may name a category", () => {
    const preprocessor = new Preprocessor({
      format: "lead-scoring-preprocessor/v2",
      missing_values: ["Select"],
      fields: [
        {
          name: "city",
          type: "categorical",
          fill_value: "missing",
          categories: ["caf\ufffd", "missing"],
          output_offset: 0,
        },
      ],
      output_columns: ["city=caf\ufffd", "city=missing"],
      n_outputs: 2,
    });
    const encoder = preprocessor.textEncoder(["city"], MAX_STRING_LENGTH);
    const cells = textCells([[Uint8Array.of(0x63, 0x61, 0x66, 0xff)]]);
    assert.equal(encoder.encodeInto(cells, 0, new Float32Array(2), 0, []), false);
    assert.deepEqual(Array.from(generalPath(preprocessor, ["city"], cells).out), [1, 0]);
  });
});

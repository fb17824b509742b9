import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ArtifactError, InvalidInputError } from "../../src/errors.js";
import { MAX_LISTED_CATEGORIES, Preprocessor } from "../../src/model/preprocessor.js";
import {
  PREPROCESSOR_FORMATS,
  parsePreprocessorSpec,
  type PreprocessorSpec,
} from "../../src/model/preprocessor-spec.js";
import { builtInGolden, builtInModel } from "../support/app.js";

/** A two-field spec small enough to check by hand. */
const SPEC: PreprocessorSpec = {
  format: "lead-scoring-preprocessor/v1",
  missing_values: ["Select", ""],
  fields: [
    { name: "visits", type: "numeric", fill_value: 3, mean: 2, scale: 4, output_index: 0 },
    {
      name: "origin",
      type: "categorical",
      fill_value: "missing",
      categories: ["API", "Form", "missing"],
      output_offset: 1,
    },
  ],
  output_columns: ["visits", "origin=API", "origin=Form", "origin=missing"],
  n_outputs: 4,
};

describe("Preprocessor", () => {
  const pre = new Preprocessor(SPEC);

  it("scales numbers and one-hot encodes categories", () => {
    assert.deepEqual(Array.from(pre.encode([{ visits: 10, origin: "Form" }])), [2, 0, 1, 0]);
  });

  it("imputes null, sentinels and absent keys as the training fill values", () => {
    const missing = [0.25, 0, 0, 1]; // (3 - 2) / 4, and the "missing" category
    for (const instance of [{ visits: null, origin: null }, { visits: "Select", origin: "" }, {}]) {
      assert.deepEqual(Array.from(pre.encode([instance])), missing, JSON.stringify(instance));
    }
  });

  it("encodes an unknown category as all zeros and reports it", () => {
    const seen: string[] = [];
    assert.deepEqual(
      Array.from(pre.encode([{ visits: 2, origin: "Fax" }], (f) => seen.push(f))),
      [0, 0, 0, 0],
    );
    assert.deepEqual(seen, ["origin"]);
  });

  it("takes a sentinel as missing, never as unseen, even where a category has its name", () => {
    const seen: string[] = [];
    const withSelect = new Preprocessor({
      ...SPEC,
      fields: [SPEC.fields[0]!, { ...SPEC.fields[1]!, categories: ["API", "Select", "missing"] }],
    } as PreprocessorSpec);
    const row = (origin: string) =>
      Array.from(withSelect.encode([{ origin }], (f) => seen.push(f)));
    assert.deepEqual(row("Select"), [0.25, 0, 0, 1]);
    assert.deepEqual(row(""), [0.25, 0, 0, 1]);
    assert.deepEqual(row("API"), [0.25, 1, 0, 0]);
    assert.deepEqual(seen, []);
  });

  it("rejects wrong types, non-finite numbers, unknown fields and non-objects by instance and field", () => {
    const cases: [unknown, RegExp][] = [
      [{ visits: "3" }, /instance 1, field "visits": expected a number or null, got string "3"/],
      [{ visits: Number.NaN }, /instance 1, field "visits": expected a finite number, got NaN/],
      [
        { origin: true },
        /instance 1, field "origin": expected a string or null, got boolean true; known values: "API", "Form", "missing" \(any other string is scored as an unseen category\)$/,
      ],
      [
        { visits: 1, colour: "red" },
        /instance 1, field "colour": unknown field; expected fields are visits, origin/,
      ],
      ["lead", /instance 1: expected an object keyed by field name, got string "lead"/],
    ];
    for (const [instance, pattern] of cases) {
      assert.throws(
        () => pre.encode([{}, instance]),
        (error: unknown) => {
          assert.ok(error instanceof InvalidInputError);
          assert.match(error.message, pattern);
          return true;
        },
      );
    }
  });

  it("reproduces the pipeline's float32 feature rows bit for bit on every golden row", async () => {
    const golden = builtInGolden();
    const model = await builtInModel();
    const width = model.preprocessor.width;
    assert.equal(width, golden.columns.length);
    const features = model.preprocessor.encode(golden.rows.map((row) => row.instance));
    golden.rows.forEach((row, r) => {
      row.features.forEach((expected, c) => {
        assert.equal(
          features[r * width + c],
          Math.fround(expected),
          `row ${r}, column ${golden.columns[c]}`,
        );
      });
    });
  });
});

describe("Preprocessor: a categorical field's wrong type", () => {
  const withCategories = (count: number): Preprocessor => {
    const categories = Array.from({ length: count }, (_, i) => `c${i}`);
    return new Preprocessor({
      format: "lead-scoring-preprocessor/v1",
      missing_values: [],
      fields: [
        { name: "source", type: "categorical", fill_value: "c0", categories, output_offset: 0 },
      ],
      output_columns: categories.map((c) => `source=${c}`),
      n_outputs: count,
    });
  };
  const messageFor = (pre: Preprocessor): string => {
    try {
      pre.encode([{ source: 7 }]);
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error("expected a rejection");
  };

  it(`lists the known values up to ${MAX_LISTED_CATEGORIES}, and names the field`, () => {
    const message = messageFor(withCategories(MAX_LISTED_CATEGORIES));
    assert.match(message, /^instance 0, field "source": expected a string or null, got number 7;/);
    assert.match(message, new RegExp(`"c0", .*"c${MAX_LISTED_CATEGORIES - 1}"`));
  });

  it("does not list more than that", () => {
    assert.equal(
      messageFor(withCategories(MAX_LISTED_CATEGORIES + 1)),
      'instance 0, field "source": expected a string or null, got number 7',
    );
  });
});

describe("Preprocessor: format v2, where missing is not a category", () => {
  // The pipeline picked "missing (2)" as the marker because "missing" is a real category here.
  const V2: PreprocessorSpec = {
    format: "lead-scoring-preprocessor/v2",
    missing_values: [""],
    fields: [
      {
        name: "stage",
        type: "categorical",
        fill_value: "missing (2)",
        categories: ["lead", "missing", "missing (2)"],
        output_offset: 0,
      },
    ],
    output_columns: ["stage=lead", "stage=missing", "stage=missing (2)"],
    n_outputs: 3,
  };
  const pre = new Preprocessor(V2);

  it("scores a real category named missing as that category, not as a null", () => {
    assert.deepEqual(Array.from(pre.encode([{ stage: "missing" }])), [0, 1, 0]);
    assert.deepEqual(Array.from(pre.encode([{ stage: null }])), [0, 0, 1]);
    assert.deepEqual(Array.from(pre.encode([{ stage: "" }])), [0, 0, 1]);
  });

  it("scores a string equal to the marker as unseen: only a missing value takes its column", () => {
    const seen: string[] = [];
    assert.deepEqual(
      Array.from(pre.encode([{ stage: "missing (2)" }], (f) => seen.push(f))),
      [0, 0, 0],
    );
    assert.deepEqual(seen, ["stage"]);
  });

  it("does not list the marker among the known values", () => {
    assert.throws(
      () => pre.encode([{ stage: 1 }]),
      /known values: "lead", "missing" \(any other string/,
    );
  });

  it("v1 keeps its meaning: the string equal to the fill value is the missing column", () => {
    const v1 = new Preprocessor({ ...V2, format: "lead-scoring-preprocessor/v1" });
    assert.deepEqual(Array.from(v1.encode([{ stage: "missing (2)" }])), [0, 0, 1]);
  });
});

describe("parsePreprocessorSpec", () => {
  it("refuses a format it does not know, naming it and the ones it reads", () => {
    const bytes = Buffer.from(JSON.stringify({ ...SPEC, format: "lead-scoring-preprocessor/v9" }));
    assert.throws(
      () => parsePreprocessorSpec(bytes, "m/preprocessor.json"),
      (error: unknown) =>
        error instanceof ArtifactError &&
        /^m\/preprocessor\.json: format "lead-scoring-preprocessor\/v9" is not one this service reads \(lead-scoring-preprocessor\/v1, lead-scoring-preprocessor\/v2\)/.test(
          error.message,
        ),
    );
  });

  it("reads v1 (the committed default model) and v2", () => {
    for (const format of PREPROCESSOR_FORMATS) {
      const bytes = Buffer.from(JSON.stringify({ ...SPEC, format }));
      assert.equal(parsePreprocessorSpec(bytes, "p.json").format, format);
    }
  });
});

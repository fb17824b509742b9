import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DataPlane } from "../../src/dataplane/dataplane.js";
import type { InstanceOutcome } from "../../src/dataplane/types.js";
import { ModelHolder } from "../../src/lifecycle/model-holder.js";
import { builtInGolden, builtInModel } from "../support/app.js";
import { cellOf, textCells } from "../support/text-cells.js";

const LIMITS = { maxBatchSize: 1000, maxStringLength: 50 };

async function builtInDataPlane(): Promise<DataPlane> {
  const holder = new ModelHolder();
  await holder.swap(await builtInModel());
  return new DataPlane(holder, LIMITS);
}

/** Instances as rows of text cells over `fields`, as a CSV file would hold them. */
function asCells(instances: readonly Record<string, unknown>[], fields: readonly string[]) {
  return textCells(instances.map((instance) => fields.map((field) => cellOf(instance[field]))));
}

/** What an outcome says: the score, or the error's code and message. */
function said(outcome: InstanceOutcome): unknown {
  return "error" in outcome ? [outcome.error.code, outcome.error.message] : outcome.score;
}

describe("DataPlane.predictEachText: instances as rows of text cells", () => {
  it("scores the golden rows exactly as predictEach scores the objects, in any field order", async () => {
    const dataPlane = await builtInDataPlane();
    const instances = builtInGolden().rows.map((row) => row.instance);
    const expected = await dataPlane.predictEach({ instances });
    const fields = dataPlane.model().fields.map((field) => field.name);
    for (const order of [fields, [...fields].reverse()]) {
      const got = await dataPlane.predictEachText({
        fields: order,
        cells: asCells(instances, order),
        rows: instances.length,
      });
      assert.deepEqual(got.outcomes.map(said), expected.outcomes.map(said));
      assert.ok(got.outcomes.every((outcome) => "score" in outcome));
    }
  });

  it("fails the rows predictEach fails, each with the same message, and scores the others", async () => {
    const dataPlane = await builtInDataPlane();
    const [a, b] = builtInGolden().rows.map((row) => row.instance);
    const numberField = dataPlane.model().fields.find((field) => field.type === "number")!.name;
    const textField = dataPlane.model().fields.find((field) => field.type === "string")!.name;
    const fields = dataPlane.model().fields.map((field) => field.name);
    // The text of each row, and the instance that text means (textValue).
    const rows: [Record<string, unknown>, Record<string, unknown>][] = [
      [a!, a!],
      [
        { ...a, [numberField]: "five" },
        { ...a, [numberField]: "five" },
      ],
      [
        { ...b, [numberField]: "1e999" },
        { ...b, [numberField]: Number.POSITIVE_INFINITY },
      ],
      [
        { ...b, [numberField]: " 12.5e1 " },
        { ...b, [numberField]: 125 },
      ],
      [
        { ...b, [numberField]: "Select" },
        { ...b, [numberField]: "Select" },
      ],
      [
        { ...a, [textField]: 'a "quoted" place' },
        { ...a, [textField]: 'a "quoted" place' },
      ],
      [
        { ...a, [textField]: "x".repeat(51) },
        { ...a, [textField]: "x".repeat(51) },
      ],
      [
        { ...b, [textField]: "" },
        { ...b, [textField]: null },
      ],
      [b!, b!],
    ];
    const expected = await dataPlane.predictEach({ instances: rows.map(([, meant]) => meant) });
    const got = await dataPlane.predictEachText({
      fields,
      cells: asCells(
        rows.map(([text]) => text),
        fields,
      ),
      rows: rows.length,
    });
    assert.deepEqual(got.outcomes.map(said), expected.outcomes.map(said));
    assert.deepEqual(
      got.outcomes.map((outcome) => "score" in outcome),
      [true, false, false, true, true, true, false, true, true],
    );
  });

  it("checks each row's id like an id field: too long fails that row only", async () => {
    const dataPlane = await builtInDataPlane();
    const [a] = builtInGolden().rows.map((row) => row.instance);
    const fields = dataPlane.model().fields.map((field) => field.name);
    const got = await dataPlane.predictEachText({
      fields,
      cells: asCells([a!, a!], fields),
      rows: 2,
      ids: ["L-1", "L".repeat(LIMITS.maxStringLength + 1)],
    });
    assert.deepEqual(got.ids, ["L-1", "L".repeat(LIMITS.maxStringLength + 1)]);
    assert.ok("score" in got.outcomes[0]!);
    const failed = got.outcomes[1]!;
    assert.ok("error" in failed);
    assert.match(failed.error.message, /field "lead_id": a string of 51 characters; at most 50/);
  });

  it("refuses a field the model does not have, and cells that do not fill the rows", async () => {
    const dataPlane = await builtInDataPlane();
    const fields = dataPlane.model().fields.map((field) => field.name);
    await assert.rejects(
      dataPlane.predictEachText({
        fields: ["favourite_colour"],
        cells: textCells([["blue"]]),
        rows: 1,
      }),
      /field "favourite_colour": unknown field/,
    );
    await assert.rejects(
      dataPlane.predictEachText({ fields, cells: textCells([["1"]]), rows: 1 }),
      new RegExp(`expected ${fields.length} cells per row, got 1 cells for 1 rows`),
    );
  });
});

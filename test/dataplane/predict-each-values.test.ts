import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DataPlane } from "../../src/dataplane/dataplane.js";
import type { InstanceOutcome } from "../../src/dataplane/types.js";
import { ModelHolder } from "../../src/lifecycle/model-holder.js";
import { builtInGolden, builtInModel } from "../support/app.js";

const LIMITS = { maxBatchSize: 1000, maxStringLength: 50 };

async function builtInDataPlane(): Promise<DataPlane> {
  const holder = new ModelHolder();
  await holder.swap(await builtInModel());
  return new DataPlane(holder, LIMITS);
}

/** Instances as rows of values over `fields` (undefined where an instance lacks the field). */
function asValues(instances: readonly Record<string, unknown>[], fields: readonly string[]) {
  return instances.flatMap((instance) => fields.map((field) => instance[field]));
}

/** What an outcome says: the score, or the error's code and message. */
function said(outcome: InstanceOutcome): unknown {
  return "error" in outcome ? [outcome.error.code, outcome.error.message] : outcome.score;
}

describe("DataPlane.predictEachValues: instances as rows of values", () => {
  it("scores the golden rows exactly as predictEach scores the objects, in any field order", async () => {
    const dataPlane = await builtInDataPlane();
    const instances = builtInGolden().rows.map((row) => row.instance);
    const expected = await dataPlane.predictEach({ instances });
    const fields = dataPlane.model().fields.map((field) => field.name);
    for (const order of [fields, [...fields].reverse()]) {
      const values = asValues(instances, order);
      const got = await dataPlane.predictEachValues({
        fields: order,
        values,
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
    const instances = [
      a!,
      { ...a, [numberField]: "five" },
      { ...b, [numberField]: Number.POSITIVE_INFINITY },
      { ...b, [textField]: 7 },
      { ...a, [textField]: "x".repeat(LIMITS.maxStringLength + 1) },
      b!,
    ];
    const fields = dataPlane.model().fields.map((field) => field.name);
    const expected = await dataPlane.predictEach({ instances });
    const got = await dataPlane.predictEachValues({
      fields,
      values: asValues(instances, fields),
      rows: instances.length,
    });
    assert.deepEqual(got.outcomes.map(said), expected.outcomes.map(said));
    assert.deepEqual(
      got.outcomes.map((outcome) => "score" in outcome),
      [true, false, false, false, false, true],
    );
  });

  it("checks each row's id like an id field: too long fails that row only", async () => {
    const dataPlane = await builtInDataPlane();
    const [a] = builtInGolden().rows.map((row) => row.instance);
    const fields = dataPlane.model().fields.map((field) => field.name);
    const got = await dataPlane.predictEachValues({
      fields,
      values: asValues([a!, a!], fields),
      rows: 2,
      ids: ["L-1", "L".repeat(LIMITS.maxStringLength + 1)],
    });
    assert.deepEqual(got.ids, ["L-1", "L".repeat(LIMITS.maxStringLength + 1)]);
    assert.ok("score" in got.outcomes[0]!);
    const failed = got.outcomes[1]!;
    assert.ok("error" in failed);
    assert.match(failed.error.message, /field "lead_id": a string of 51 characters; at most 50/);
  });

  it("refuses a field the model does not have, and values that do not fill the rows", async () => {
    const dataPlane = await builtInDataPlane();
    const fields = dataPlane.model().fields.map((field) => field.name);
    await assert.rejects(
      dataPlane.predictEachValues({ fields: ["favourite_colour"], values: ["blue"], rows: 1 }),
      /field "favourite_colour": unknown field/,
    );
    await assert.rejects(
      dataPlane.predictEachValues({ fields, values: [1], rows: 1 }),
      new RegExp(`expected ${fields.length} values per row, got 1 values for 1 rows`),
    );
  });
});

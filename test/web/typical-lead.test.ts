import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ModelField } from "../../src/protocols/model-fields.js";
import { typicalLead } from "../../web/src/shared/typical-lead.js";

describe("the typical lead the page's reset button shows", () => {
  const fields: ModelField[] = [
    { name: "visits", type: "number", displayName: "Visits", nullable: true },
    {
      name: "origin",
      type: "string",
      displayName: "Origin",
      nullable: true,
      categories: ["API", "Form"],
    },
    {
      name: "city",
      type: "string",
      displayName: "City",
      nullable: true,
      categories: ["Mumbai", "missing"],
    },
  ];

  it("keeps the baseline's values that the form offers", () => {
    assert.deepEqual(typicalLead(fields, { visits: 3, origin: "Form", city: "missing" }), {
      visits: 3,
      origin: "Form",
      city: "missing",
    });
  });

  it("reads a marker outside the categories (preprocessor v2) as unknown, and a field the baseline lacks too", () => {
    assert.deepEqual(typicalLead(fields, { visits: 3, origin: "missing" }), {
      visits: 3,
      origin: null,
      city: null,
    });
  });
});

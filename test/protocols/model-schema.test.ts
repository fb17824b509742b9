import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import type { ModelMetadata } from "../../src/model/metadata.js";
import { builtInGolden, builtInVersionDir, buildTestApp, type TestApp } from "../support/app.js";
import { fakeModel, OTHER_SCHEMA } from "../support/fake-models.js";

type Schema = Record<string, unknown>;
interface Document {
  components: { schemas: Record<string, Schema> };
  paths: Record<string, Record<string, Schema>>;
}
interface Field {
  name: string;
  type: string;
  nullable: boolean;
  categories?: string[];
  trainingRange?: { min: number; max: number };
}

const INSTANCE_REF = "#/components/schemas/Instance";
const BODY_ROUTES = [
  "/predict",
  "/explain",
  "/v1/models/{name}:predict",
  "/v1/models/{name}:explain",
];

async function documentOf(t: TestApp, url = "/openapi.json"): Promise<Document> {
  const response = await t.app.inject({ method: "GET", url });
  assert.equal(response.statusCode, 200, response.body);
  return response.json<Document>();
}

function instanceOf(document: Document): Schema & { properties: Record<string, Schema> } {
  return document.components.schemas.Instance as Schema & { properties: Record<string, Schema> };
}

/** The metadata.json of the committed model, read as the pipeline wrote it. */
async function committedMetadata(): Promise<ModelMetadata> {
  const text = await readFile(path.join(builtInVersionDir(), "metadata.json"), "utf8");
  return JSON.parse(text) as ModelMetadata;
}

describe("the OpenAPI Instance schema and the metadata routes come from the served model", () => {
  let t: TestApp;
  let metadata: ModelMetadata;

  before(async () => {
    t = await buildTestApp();
    metadata = await committedMetadata();
  });
  after(() => t.app.close());

  it("documents every field of the model: type, nullability, categories, training range", async () => {
    const instance = instanceOf(await documentOf(t));
    const expected = metadata.schema.fields.map((field) => field.name);
    assert.deepEqual(Object.keys(instance.properties), ["lead_id", ...expected]);
    assert.equal(instance.additionalProperties, false, "unknown fields are rejected, as served");
    for (const field of metadata.schema.fields) {
      const schema = instance.properties[field.name]!;
      assert.equal(schema.type, field.type, field.name);
      assert.equal(schema.nullable, field.nullable, field.name);
      assert.ok(!("enum" in schema), `${field.name}: an unseen category is legal`);
      assert.ok(!("minimum" in schema) && !("maximum" in schema), `${field.name}: no bounds`);
      if (field.type === "string") {
        assert.deepEqual(schema["x-categories"], field.categories, field.name);
        assert.equal(schema.example, field.categories?.[0], field.name);
      } else {
        const baseline = metadata.baselines?.[field.name];
        assert.equal(baseline?.type, "numeric", field.name);
        const edges = baseline?.type === "numeric" ? baseline.bin_edges : [];
        assert.deepEqual(
          schema["x-training-range"],
          { minimum: edges[0], maximum: edges.at(-1) },
          field.name,
        );
      }
    }
  });

  it("every instance body references the one Instance schema; /docs serves the same document", async () => {
    const document = await documentOf(t);
    for (const route of BODY_ROUTES) {
      const body = JSON.stringify(document.paths[route]?.post?.requestBody);
      assert.match(body, new RegExp(`"items":\\{"\\$ref":"${INSTANCE_REF}"\\}`), route);
    }
    assert.deepEqual(await documentOf(t, "/docs/json"), document);
  });

  it("what the document leaves legal is accepted: unseen categories, values outside the range", async () => {
    const instance = { ...builtInGolden().rows[0]!.instance };
    Object.assign(instance, { lead_origin: "Carrier pigeon", total_visits: 1e6 });
    const response = await t.app.inject({
      method: "POST",
      url: "/predict",
      payload: { instances: [instance] },
    });
    assert.equal(response.statusCode, 200, response.body);
  });

  it("GET /v1/models/{name} and V2 model metadata list the same fields", async () => {
    const v1 = await t.app.inject({ method: "GET", url: "/v1/models/lead-scoring" });
    assert.equal(v1.statusCode, 200, v1.body);
    const { fields, missingValues } = v1.json<{ fields: Field[]; missingValues: string[] }>();
    assert.deepEqual(
      fields.map(({ name, type, nullable, categories }) => ({ name, type, nullable, categories })),
      metadata.schema.fields.map(({ name, type, nullable, categories }) => ({
        name,
        type,
        nullable,
        categories,
      })),
    );
    const instance = instanceOf(await documentOf(t));
    for (const field of fields) {
      const range = instance.properties[field.name]!["x-training-range"] as
        { minimum: number; maximum: number } | undefined;
      const documented = range && { min: range.minimum, max: range.maximum };
      assert.deepEqual(field.trainingRange, documented, field.name);
    }
    assert.ok(missingValues.length > 0, "the committed model reads sentinels as missing");

    const v2 = await t.app.inject({ method: "GET", url: "/v2/models/lead-scoring" });
    assert.equal(v2.statusCode, 200, v2.body);
    const { inputs, parameters } = v2.json<{
      inputs: { name: string }[];
      parameters: { fields: Field[]; missing_values: string[] };
    }>();
    assert.deepEqual(parameters.fields, fields);
    assert.deepEqual(parameters.missing_values, missingValues);
    assert.deepEqual(
      inputs.map((input) => input.name),
      fields.map((field) => field.name),
    );
  });

  it("a second model with other fields gets its own document, also after a swap", async () => {
    // A real Preprocessor and metadata over other fields; only the ONNX session is fake.
    const other = await fakeModel("1.0.0", { name: "other-model", schema: OTHER_SCHEMA });
    const second = await buildTestApp({ model: other.model });
    try {
      const properties = instanceOf(await documentOf(second)).properties;
      assert.deepEqual(Object.keys(properties), ["lead_id", "minutes", "channel"]);
      assert.equal(properties.minutes!.type, "number");
      assert.ok(!("x-training-range" in properties.minutes!), "no baselines, no range claimed");
      assert.deepEqual(properties.channel!["x-categories"], ["email", "phone", "chat"]);
      const v1 = await second.app.inject({ method: "GET", url: "/v1/models/other-model" });
      assert.deepEqual(
        v1.json<{ fields: Field[] }>().fields.map((field) => field.name),
        ["minutes", "channel"],
      );

      // The first app's model moves to the other fields: its document follows, no restart.
      const before = instanceOf(await documentOf(t));
      await t.holder.swap((await fakeModel("1.0.1", { schema: OTHER_SCHEMA })).model);
      const after = instanceOf(await documentOf(t));
      assert.ok("lead_origin" in before.properties);
      assert.deepEqual(Object.keys(after.properties), ["lead_id", "minutes", "channel"]);
    } finally {
      await second.app.close();
    }
  });

  it("before any model is loaded, documents what any model accepts", async () => {
    const empty = await buildTestApp({ model: null });
    try {
      const instance = instanceOf(await documentOf(empty));
      assert.deepEqual(Object.keys(instance.properties), ["lead_id"]);
      assert.equal(typeof instance.additionalProperties, "object");
    } finally {
      await empty.app.close();
    }
  });
});

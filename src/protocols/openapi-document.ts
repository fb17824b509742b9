import type { DataPlane } from "../dataplane/dataplane.js";
import type { FieldInfo, ModelInfo } from "../dataplane/model-info.js";
import { idFieldSchema, INSTANCE_TITLE, type InstanceRules } from "./instances.js";

/** A JSON Schema / OpenAPI 3.0 schema object, as plain data. */
type SchemaObject = Record<string, unknown>;

/** The parts of an OpenAPI document this module touches. */
interface OpenApiDocument {
  components?: { schemas?: Record<string, unknown> };
  [key: string]: unknown;
}

/**
 * The OpenAPI document the service serves, with one `Instance` schema: the fields of the model
 * being served when one is loaded (types, nullability, training categories and ranges), else
 * what any model accepts. Route schemas are compiled once, at start, before any model is
 * loaded, and a reload may bring other fields, so the routes validate only an instance's shape
 * and the data plane checks its fields against the version that scores it. The document, which
 * validates nothing, follows the model: it is derived from Fastify's once per version and
 * cached, so a request for it costs a map lookup.
 */
export class OpenApiDocuments {
  private readonly byModel = new WeakMap<ModelInfo, OpenApiDocument>();
  private generic: OpenApiDocument | undefined;

  constructor(
    private readonly base: () => object,
    private readonly dataPlane: DataPlane,
  ) {}

  /** The document for the model being served now (the generic one before the first load). */
  current(): OpenApiDocument {
    const model = this.dataPlane.servedModel();
    if (model === undefined) {
      this.generic ??= withInstance(this.base(), genericInstanceSchema(this.dataPlane));
      return this.generic;
    }
    let document = this.byModel.get(model);
    if (document === undefined) {
      document = withInstance(this.base(), modelInstanceSchema(model, this.dataPlane));
      this.byModel.set(model, document);
    }
    return document;
  }
}

/**
 * What an instance may hold whatever the model, for the document before a model is loaded: raw
 * field → number, string or null, plus the caller's id. (OpenAPI 3.0: null is `nullable`.)
 */
export function genericInstanceSchema(rules: InstanceRules): SchemaObject {
  return {
    type: "object",
    title: INSTANCE_TITLE,
    description:
      "One lead: raw field name → value (number, string or null). The served model's fields " +
      "are listed by GET /v1/models/{name} and, once it is loaded, in this document.",
    properties: { [rules.idField]: { ...idFieldSchema(rules) } },
    additionalProperties: {
      anyOf: [
        { type: "number" },
        { type: "string", maxLength: rules.limits.maxStringLength },
        { type: "object", nullable: true, enum: [null] },
      ],
    },
    example: { lead_origin: "API", total_visits: 5, total_time_spent_on_website: 674 },
  };
}

/**
 * An instance of `model`, documented field by field. Categories are listed in `x-categories`
 * (not `enum`: an unseen category is legal and scored) and training ranges in
 * `x-training-range` (not minimum/maximum: a value outside is legal and scored), so a generated
 * client or a fuzzer never rejects what the service accepts. Unknown fields are rejected
 * (additionalProperties: false), as the data plane does.
 */
export function modelInstanceSchema(model: ModelInfo, rules: InstanceRules): SchemaObject {
  const properties: Record<string, SchemaObject> = {
    [rules.idField]: { ...idFieldSchema(rules) },
  };
  const example: Record<string, unknown> = {};
  for (const field of model.fields) {
    properties[field.name] = fieldSchema(field, rules.limits.maxStringLength, model.missingValues);
    example[field.name] = exampleValue(field);
  }
  return {
    type: "object",
    title: INSTANCE_TITLE,
    description:
      `One lead for ${model.name} ${model.version}: its raw fields, each optional (a missing ` +
      `field is imputed). Generated from the model loaded when the document was served; the ` +
      `fields of the version that scores a request are what count (GET /v1/models/{name}).`,
    properties,
    additionalProperties: false,
    example,
  };
}

function fieldSchema(
  field: FieldInfo,
  maxStringLength: number,
  missingValues: readonly string[],
): SchemaObject {
  const schema: SchemaObject = { type: field.type, nullable: field.nullable };
  const missing = field.nullable ? missingNote(missingValues) : "";
  if (field.type === "string") {
    const categories = field.categories ?? [];
    return {
      ...schema,
      maxLength: maxStringLength,
      description:
        `${categories.length} categories seen in training, listed in x-categories. Any other ` +
        `string is accepted and scored as an unseen category.${missing}`,
      "x-categories": [...categories],
      ...(categories[0] === undefined ? {} : { example: categories[0] }),
    };
  }
  const range = field.trainingRange;
  if (range === undefined) return { ...schema, description: `A finite number.${missing}` };
  return {
    ...schema,
    description:
      `Seen in training: ${range.min} to ${range.max}. Any finite number is accepted; ` +
      `outside that range the model extrapolates.${missing}`,
    "x-training-range": { minimum: range.min, maximum: range.max },
    example: range.min,
  };
}

function missingNote(missingValues: readonly string[]): string {
  const strings = missingValues.map((value) => JSON.stringify(value)).join(", ");
  return strings === "" ? " null means missing." : ` null and ${strings} mean missing.`;
}

function exampleValue(field: FieldInfo): unknown {
  if (field.type === "string") return field.categories?.[0] ?? null;
  return field.trainingRange?.min ?? 0;
}

/**
 * A copy of `base` whose every schema titled "Instance" (the route schemas' placeholder) is a
 * reference to one `components.schemas.Instance`: `instance`.
 */
function withInstance(base: object, instance: object): OpenApiDocument {
  const document = replaceInstances(structuredClone(base)) as OpenApiDocument;
  const components = document.components ?? {};
  document.components = {
    ...components,
    schemas: { ...components.schemas, [INSTANCE_TITLE]: structuredClone(instance) },
  };
  return document;
}

const INSTANCE_REF = { $ref: `#/components/schemas/${INSTANCE_TITLE}` };

function replaceInstances(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(replaceInstances);
  if (typeof node !== "object" || node === null) return node;
  if ((node as SchemaObject).title === INSTANCE_TITLE) return { ...INSTANCE_REF };
  return Object.fromEntries(
    Object.entries(node).map(([key, value]) => [key, replaceInstances(value)]),
  );
}

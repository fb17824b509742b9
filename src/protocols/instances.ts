import { Type, type Static } from "typebox";
import type { DataPlane } from "../dataplane/dataplane.js";
import type { ModelTarget, PredictResult } from "../dataplane/types.js";

/** What an instance schema depends on: the request limits and the name of the id field. */
export type InstanceRules = Pick<DataPlane, "limits" | "idField">;

/**
 * The body Vertex AI, the original FastAPI service and KServe V1 share:
 * `{"instances": [{field: value}], "parameters"?: {...}}`. Instances are objects of numbers,
 * strings and nulls; which fields a model has is checked while encoding, with messages naming
 * instance and field. The schema carries the request limits, so the document states them and
 * the validator enforces them before any work proportional to the request.
 */
export function instanceSchema({ limits, idField }: InstanceRules) {
  const value = Type.Union([
    Type.Number(),
    Type.String({ maxLength: limits.maxStringLength }),
    Type.Null(),
  ]);
  return Type.Object(
    {
      [idField]: Type.Optional(
        Type.String({
          maxLength: limits.maxStringLength,
          description:
            `The caller's id of this lead (LEAD_ID_FIELD, default lead_id): not a model ` +
            `feature. It is echoed in leadIds and written to the prediction log, where ` +
            `POST /feedback outcomes join on it.`,
        }),
      ),
    },
    {
      additionalProperties: value,
      description:
        "One lead: raw field name → value (number, string or null). See GET /v2/models/{name}.",
      examples: [
        { lead_origin: "API", total_visits: 5, total_time_spent_on_website: 674 },
        { [idField]: "L-1", lead_origin: "API", total_visits: 5 },
      ],
    },
  );
}

export function instancesSchema(rules: InstanceRules) {
  const { limits } = rules;
  return Type.Array(instanceSchema(rules), {
    minItems: 1,
    maxItems: limits.maxBatchSize,
    description: `Leads to score: 1 to ${limits.maxBatchSize} (MAX_BATCH_SIZE).`,
  });
}

export const PredictParameters = Type.Object(
  {
    threshold: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 1,
        description: "Binary models: also return a 0/1 label, 1 when probability ≥ threshold.",
      }),
    ),
  },
  { additionalProperties: false },
);

export function predictBodySchema(rules: InstanceRules) {
  return Type.Object(
    {
      instances: instancesSchema(rules),
      parameters: Type.Optional(PredictParameters),
    },
    { additionalProperties: false, $id: "PredictRequest", title: "PredictRequest" },
  );
}
export type PredictBody = Static<ReturnType<typeof predictBodySchema>>;

const LabelledPrediction = Type.Object({
  probability: Type.Number(),
  label: Type.Integer({ minimum: 0, maximum: 1 }),
});

export const PredictResponse = Type.Object(
  {
    predictions: Type.Array(Type.Union([Type.Number(), LabelledPrediction]), {
      description:
        "One per instance: the conversion probability (binary) or value (regression); " +
        "{probability, label} when parameters.threshold is set.",
    }),
    model: Type.String({ description: "Name of the model that answered." }),
    modelVersion: Type.String({ description: "Semantic version that answered." }),
    leadIds: Type.Optional(
      Type.Array(Type.Union([Type.String(), Type.Null()]), {
        description:
          "Only when an instance carried an id (LEAD_ID_FIELD, default lead_id): one per " +
          "instance, in order, null for an instance without one. predictions is unchanged.",
      }),
    ),
  },
  { $id: "PredictResponse", title: "PredictResponse" },
);
export type PredictResponse = Static<typeof PredictResponse>;

/** Encodes a data-plane result in the shared Vertex / V1 response shape. */
export function toPredictResponse(result: PredictResult): PredictResponse {
  const { scores, labels } = result;
  const predictions =
    labels === undefined
      ? Array.from(scores)
      : Array.from(scores, (probability, i) => ({ probability, label: labels[i] ?? 0 }));
  const response = { predictions, model: result.model, modelVersion: result.version };
  if (result.ids === undefined) return response;
  return { ...response, leadIds: result.ids.map((id) => id ?? null) };
}

/** Scores a PredictBody on the data plane; `target` has the model name from the URL, if any. */
export async function predictBody(
  dataPlane: DataPlane,
  body: PredictBody,
  target: ModelTarget,
): Promise<PredictResponse> {
  const result = await dataPlane.predict({
    ...target,
    instances: body.instances,
    threshold: body.parameters?.threshold,
  });
  return toPredictResponse(result);
}

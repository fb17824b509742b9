import { Type, type Static } from "typebox";
import type { DataPlane, DataPlaneLimits } from "../dataplane/dataplane.js";
import type { PredictResult } from "../dataplane/types.js";

/**
 * The body Vertex AI, the original FastAPI service and KServe V1 share:
 * `{"instances": [{field: value}], "parameters"?: {...}}`. Instances are objects of numbers,
 * strings and nulls; which fields a model has is checked while encoding, with messages naming
 * instance and field. The schema carries the request limits, so the document states them and
 * the validator enforces them before any work proportional to the request.
 */
export function instanceSchema(limits: DataPlaneLimits) {
  return Type.Record(
    Type.String(),
    Type.Union([Type.Number(), Type.String({ maxLength: limits.maxStringLength }), Type.Null()]),
    {
      description:
        "One lead: raw field name → value (number, string or null). See GET /v2/models/{name}.",
      examples: [{ lead_origin: "API", total_visits: 5, total_time_spent_on_website: 674 }],
    },
  );
}

export function instancesSchema(limits: DataPlaneLimits) {
  return Type.Array(instanceSchema(limits), {
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

export function predictBodySchema(limits: DataPlaneLimits) {
  return Type.Object(
    {
      instances: instancesSchema(limits),
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
  return { predictions, model: result.model, modelVersion: result.version };
}

/** Scores a PredictBody on the data plane; `model` is the name from the URL, if any. */
export async function predictBody(
  dataPlane: DataPlane,
  body: PredictBody,
  model?: string,
): Promise<PredictResponse> {
  const result = await dataPlane.predict({
    model,
    instances: body.instances,
    threshold: body.parameters?.threshold,
  });
  return toPredictResponse(result);
}

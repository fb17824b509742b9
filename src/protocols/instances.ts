import { Type, type Static } from "typebox";
import type { DataPlane } from "../dataplane/dataplane.js";
import type { ModelTarget, PerInstanceResult, PredictResult } from "../dataplane/types.js";
import { toErrorResponse } from "./error-handler.js";

/** What an instance schema depends on: the request limits and the name of the id field. */
export type InstanceRules = Pick<DataPlane, "limits" | "idField">;

/**
 * The body Vertex AI, the original FastAPI service and KServe V1 share:
 * `{"instances": [{field: value}], "parameters"?: {...}}`. The body schema bounds the shape (an
 * array of 1..MAX_BATCH_SIZE objects); what an instance's fields may hold is checked per instance
 * by the data plane (string lengths, the id, the model's fields, types and finiteness), so that
 * with `parameters.partial` an invalid instance fails alone. The OpenAPI document replaces this
 * schema (titled "Instance") with the served model's fields (openapi-document.ts).
 */
export const INSTANCE_TITLE = "Instance";

export function instanceSchema() {
  return Type.Object({}, { additionalProperties: true, title: INSTANCE_TITLE });
}

/** The caller's id field of an instance (LEAD_ID_FIELD): not a model feature. */
export function idFieldSchema({ limits }: InstanceRules) {
  return Type.String({
    maxLength: limits.maxStringLength,
    description:
      `The caller's id of this lead (LEAD_ID_FIELD, default lead_id): not a model ` +
      `feature. It is echoed in leadIds and written to the prediction log, where ` +
      `POST /feedback outcomes join on it.`,
  });
}

export function instancesSchema(rules: InstanceRules) {
  const { limits } = rules;
  return Type.Array(instanceSchema(), {
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

/** Predict only (not explain): results per instance. */
const PartialPredictParameters = Type.Object(
  {
    ...PredictParameters.properties,
    partial: Type.Optional(
      Type.Boolean({
        description:
          "true: one result per instance. An invalid instance gets {error, code} in its place " +
          "in predictions (the answer a request with only that instance would get) and the " +
          "others are scored; 200 when at least one instance scored, else the error the whole " +
          "batch gets without partial. Default false: all or nothing.",
      }),
    ),
  },
  { additionalProperties: false },
);

export function predictBodySchema(rules: InstanceRules) {
  return Type.Object(
    {
      instances: instancesSchema(rules),
      parameters: Type.Optional(PartialPredictParameters),
    },
    { additionalProperties: false, $id: "PredictRequest", title: "PredictRequest" },
  );
}
export type PredictBody = Static<ReturnType<typeof predictBodySchema>>;

const LabelledPrediction = Type.Object({
  probability: Type.Number(),
  label: Type.Integer({ minimum: 0, maximum: 1 }),
});
type LabelledPrediction = Static<typeof LabelledPrediction>;

/** In place of a prediction with parameters.partial: the instance's own error. */
const InstanceError = Type.Object(
  {
    error: Type.String({ description: "What was wrong with this instance, naming the field." }),
    code: Type.String({ description: "The code a request with only this instance gets." }),
  },
  { additionalProperties: false },
);

const PREDICTIONS_DESCRIPTION =
  "One per instance: the conversion probability (binary) or value (regression); " +
  "{probability, label} when parameters.threshold is set.";

/** The response fields predict and explain share (explain has no results per instance). */
export const ScoredResponseProperties = {
  predictions: Type.Array(Type.Union([Type.Number(), LabelledPrediction]), {
    description: PREDICTIONS_DESCRIPTION,
  }),
  model: Type.String({ description: "Name of the model that answered." }),
  modelVersion: Type.String({ description: "Semantic version that answered." }),
  leadIds: Type.Optional(
    Type.Array(Type.Union([Type.String(), Type.Null()]), {
      description:
        "Only when an instance carried an id (LEAD_ID_FIELD, default lead_id): one per " +
        "instance, in order (failed instances included), null for an instance without one. " +
        "predictions is unchanged.",
    }),
  ),
};

export const PredictResponse = Type.Object(
  {
    ...ScoredResponseProperties,
    predictions: Type.Array(Type.Union([Type.Number(), LabelledPrediction, InstanceError]), {
      description:
        PREDICTIONS_DESCRIPTION +
        " With parameters.partial, {error, code} in place of an invalid instance's prediction.",
    }),
  },
  { $id: "PredictResponse", title: "PredictResponse" },
);
export type PredictResponse = Static<typeof PredictResponse>;
type Prediction = PredictResponse["predictions"][number];

function prediction(score: number, label: number | undefined): number | LabelledPrediction {
  return label === undefined ? score : { probability: score, label };
}

function withIds<T extends object>(
  response: T,
  ids: readonly (string | undefined)[] | undefined,
): T & { leadIds?: (string | null)[] } {
  if (ids === undefined) return response;
  return { ...response, leadIds: ids.map((id) => id ?? null) };
}

/** Encodes a data-plane result in the shared Vertex / V1 response shape. */
export function toPredictResponse(result: PredictResult) {
  const { scores, labels } = result;
  const predictions =
    labels === undefined
      ? Array.from(scores)
      : Array.from(scores, (score, i) => prediction(score, labels[i]));
  return withIds({ predictions, model: result.model, modelVersion: result.version }, result.ids);
}

/** Encodes results per instance: a prediction, or the error that instance alone would get. */
export function toPerInstanceResponse(result: PerInstanceResult): PredictResponse {
  const predictions = result.outcomes.map((outcome): Prediction => {
    if ("error" in outcome) {
      const { body } = toErrorResponse(outcome.error);
      return { error: body.error, code: body.code };
    }
    return prediction(outcome.score, outcome.label);
  });
  return withIds({ predictions, model: result.model, modelVersion: result.version }, result.ids);
}

/** Scores a PredictBody on the data plane; `target` has the model name from the URL, if any. */
export async function predictBody(
  dataPlane: DataPlane,
  body: PredictBody,
  target: ModelTarget,
): Promise<PredictResponse> {
  const request = {
    ...target,
    instances: body.instances,
    threshold: body.parameters?.threshold,
  };
  if (body.parameters?.partial === true) {
    return toPerInstanceResponse(await dataPlane.predictEach(request));
  }
  return toPredictResponse(await dataPlane.predict(request));
}

import { Type, type Static } from "typebox";
import type { DataPlane } from "../dataplane/dataplane.js";
import type { ExplainResult, ModelTarget } from "../dataplane/types.js";
import { EXPLAIN_METHODS, PATH_COUNT, type OutputSpace } from "../model/explain/types.js";
import {
  type InstanceRules,
  instancesSchema,
  PredictParameters,
  ScoredResponseProperties,
  toPredictResponse,
} from "./instances.js";

/**
 * The explain body and response shared by Vertex-style `POST /explain` and KServe V1
 * `:explain`: the predict body plus the method's parameters in; the predict response plus one
 * Vertex AI explanation per instance out.
 */
const ExplainParameters = Type.Object(
  {
    ...PredictParameters.properties,
    method: Type.Optional(
      Type.Enum([...EXPLAIN_METHODS], {
        description:
          "tree_shap: exact TreeSHAP from the model's trees (default where the model has them). " +
          "sampled_shapley: Vertex AI's sampled Shapley over the raw fields, for any model.",
      }),
    ),
    path_count: Type.Optional(
      Type.Integer({
        minimum: PATH_COUNT.min,
        maximum: PATH_COUNT.max,
        description: `sampled_shapley: feature permutations per instance (default ${PATH_COUNT.default}).`,
      }),
    ),
    seed: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 0xffffffff,
        description:
          "sampled_shapley: permutation seed (default 0: equal requests, equal answers).",
      }),
    ),
  },
  { additionalProperties: false },
);

export function explainBodySchema(rules: InstanceRules) {
  return Type.Object(
    {
      instances: instancesSchema(rules),
      parameters: Type.Optional(ExplainParameters),
    },
    { additionalProperties: false, $id: "ExplainRequest", title: "ExplainRequest" },
  );
}
export type ExplainBody = Static<ReturnType<typeof explainBodySchema>>;

const Attribution = Type.Object({
  baselineOutputValue: Type.Number({
    description: "Output at the reference: TreeSHAP's expected value, or the baseline instance's.",
  }),
  instanceOutputValue: Type.Number({
    description: "Output for the instance = baselineOutputValue + Σ featureAttributions.",
  }),
  featureAttributions: Type.Record(Type.String(), Type.Number(), {
    description: "Raw input field → its share of instanceOutputValue − baselineOutputValue.",
  }),
  outputDisplayName: Type.String({
    description:
      "What the outputs are, for people. A model with a calibrator says that they are the " +
      "trees' log-odds before calibration: the prediction is a monotone map of their sigmoid.",
  }),
  approximationError: Type.Union([Type.Number(), Type.Null()], {
    description:
      "tree_shap: rounding error of the additivity identity (exact method). sampled_shapley: " +
      "√(Σ per-field squared standard errors) over the paths; null with path_count 1.",
  }),
  outputName: Type.String({ description: "The output space: log_odds (binary) or value." }),
});

export const ExplainResponse = Type.Object(
  {
    ...ScoredResponseProperties,
    explanations: Type.Array(Type.Object({ attributions: Type.Array(Attribution) }), {
      description: "One per instance, in the Vertex AI explanation shape.",
    }),
    method: Type.Enum([...EXPLAIN_METHODS]),
    space: Type.Enum(["log_odds", "value"] satisfies OutputSpace[], {
      description:
        "Space of every output and attribution value; predictions stay probabilities " +
        "(calibrated, when the model has a calibrator: see outputDisplayName).",
    }),
  },
  { $id: "ExplainResponse", title: "ExplainResponse" },
);
export type ExplainResponse = Static<typeof ExplainResponse>;

const DISPLAY_NAME: Record<OutputSpace, string> = {
  log_odds: "log-odds of conversion",
  value: "predicted value",
};
/** TreeSHAP explains the trees' margin; a calibrated prediction is a monotone map of it. */
const CALIBRATED_DISPLAY_NAME =
  "log-odds of conversion before calibration (the trees' margin; " +
  "the prediction is its calibrated probability)";

/** Encodes a data-plane explain result: the predict response plus the explanations. */
export function toExplainResponse(result: ExplainResult): ExplainResponse {
  const { method, space, fields, instances, calibrated } = result.explanations;
  const outputDisplayName = calibrated ? CALIBRATED_DISPLAY_NAME : DISPLAY_NAME[space];
  return {
    ...toPredictResponse(result),
    explanations: instances.map((instance) => ({
      attributions: [
        {
          baselineOutputValue: instance.baselineOutput,
          instanceOutputValue: instance.instanceOutput,
          featureAttributions: Object.fromEntries(
            fields.map((field, f) => [field, instance.attributions[f] ?? 0]),
          ),
          outputDisplayName,
          approximationError: instance.approximationError,
          outputName: space,
        },
      ],
    })),
    method,
    space,
  };
}

/** Explains an ExplainBody on the data plane; `model` is the name from the URL, if any. */
export async function explainBody(
  dataPlane: DataPlane,
  body: ExplainBody,
  target: ModelTarget,
): Promise<ExplainResponse> {
  const parameters = body.parameters;
  const result = await dataPlane.explain({
    ...target,
    instances: body.instances,
    threshold: parameters?.threshold,
    method: parameters?.method,
    pathCount: parameters?.path_count,
    seed: parameters?.seed,
  });
  return toExplainResponse(result);
}

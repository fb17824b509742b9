import { Type, type Static } from "typebox";
import type { ModelInfo } from "../dataplane/model-info.js";

/**
 * A model's raw input fields as the metadata routes list them (KServe V1 `GET /v1/models/{name}`
 * and V2 `GET /v2/models/{name}` under `parameters`): the same information the OpenAPI document's
 * Instance schema gives, for clients that build forms or validate before sending.
 */
export const ModelField = Type.Object(
  {
    name: Type.String(),
    type: Type.Enum(["number", "string"]),
    displayName: Type.String({
      description: "A label for people: the model's own, else the name made readable.",
    }),
    description: Type.Optional(Type.String({ description: "What the field means, in a line." })),
    nullable: Type.Boolean({ description: "null or an absent field is accepted and imputed." }),
    categories: Type.Optional(
      Type.Array(Type.String(), {
        description:
          "String fields: the categories seen in training. Any other string is accepted too " +
          "and scored as an unseen category.",
      }),
    ),
    trainingRange: Type.Optional(
      Type.Object(
        { min: Type.Number(), max: Type.Number() },
        {
          description:
            "Number fields: the smallest and largest value seen in training. Values outside " +
            "are accepted and scored; the model has seen none like them.",
        },
      ),
    ),
  },
  { title: "ModelField" },
);
export type ModelField = Static<typeof ModelField>;

export const ModelFields = Type.Array(ModelField, {
  description: "The raw input fields an instance may carry, in the model's order.",
});

export const MissingValues = Type.Array(Type.String(), {
  description: 'Strings read as missing in any field (e.g. the web form\'s "Select"), like null.',
});

export const ModelScorer = Type.Enum(["trees", "onnx"], {
  description:
    "The runtime that scores this version: trees = XGBoost's trees compiled at load (SCORER " +
    "auto or trees, proven against the golden file), onnx = ONNX Runtime.",
});

/** What a person choosing or reading a model wants to know of it (the web page's model panel). */
export const ModelTraining = {
  createdAt: Type.String({ description: "When the version was trained (RFC 3339)." }),
  metrics: Type.Record(Type.String(), Type.Number(), {
    description: "Held-out metrics that are single numbers (roc_auc, log_loss, …).",
  }),
  primaryMetric: Type.Object({ name: Type.String(), value: Type.Number() }),
  ranking: Type.Optional(
    Type.Record(Type.String(), Type.Number(), {
      description:
        "On the held-out split: capture_at_Kpct (the share of all conversions among the top " +
        "K % of leads by score), precision_at_Kpct (their conversion rate) and lift_at_Kpct " +
        "(that rate over the base rate) for K = 5, 10, 20, 30. Absent for a regression and " +
        "for versions trained before it was recorded.",
    }),
  ),
  crossValidation: Type.Optional(
    Type.Object(
      {
        folds: Type.Integer(),
        repeats: Type.Integer(),
        metrics: Type.Record(
          Type.String(),
          Type.Object({ mean: Type.Number(), sd: Type.Number() }),
        ),
      },
      {
        description:
          "Repeated k-fold on the training part: each metric's mean and sample standard " +
          "deviation over folds × repeats. Absent for versions trained without it.",
      },
    ),
  ),
  explainBaseline: Type.Record(Type.String(), Type.Union([Type.Number(), Type.String()]), {
    description: "A typical lead: the reference instance of sampled Shapley explanations.",
  }),
};

/** The training facts of a model, as plain data for a response. */
export function modelTraining(model: ModelInfo) {
  return {
    createdAt: model.createdAt,
    metrics: { ...model.metrics },
    primaryMetric: { ...model.primaryMetric },
    explainBaseline: { ...model.explainBaseline },
    ...(model.ranking === undefined ? {} : { ranking: { ...model.ranking } }),
    ...(model.crossValidation === undefined
      ? {}
      : {
          crossValidation: {
            folds: model.crossValidation.folds,
            repeats: model.crossValidation.repeats,
            metrics: structuredClone(model.crossValidation.metrics),
          },
        }),
  };
}

/** The fields of a model, as plain data for a response. */
export function modelFields(model: ModelInfo): ModelField[] {
  return model.fields.map(({ categories, trainingRange, ...field }) => ({
    ...field,
    ...(categories === undefined ? {} : { categories: [...categories] }),
    ...(trainingRange === undefined ? {} : { trainingRange: { ...trainingRange } }),
  }));
}

import type { LoadedModel } from "../model/loaded-model.js";
import type { ModelMetadata, ModelTask } from "../model/metadata.js";
import type { ScorerKind } from "../model/scorer.js";

/** One raw input field as clients may know it: what the model was trained on. */
export interface FieldInfo {
  readonly name: string;
  readonly type: "number" | "string";
  /** A label for people: metadata's display_name, else the name made readable. */
  readonly displayName: string;
  /** One line saying what the field means, when the metadata has one. */
  readonly description?: string;
  /** null (or absent) is accepted and imputed. */
  readonly nullable: boolean;
  /** String fields: the categories seen in training. Others are accepted (scored as unseen). */
  readonly categories?: readonly string[];
  /** Number fields: the smallest and largest value seen in training. Others are accepted. */
  readonly trainingRange?: { readonly min: number; readonly max: number };
}

export interface FoldSummary {
  readonly folds: number;
  readonly repeats: number;
  readonly metrics: Readonly<Record<string, { readonly mean: number; readonly sd: number }>>;
}

/**
 * What protocols may know about a served model: a value, computed once per loaded version. They
 * never see the LoadedModel itself (its scorer, its release()), so no protocol can hold on to a
 * version past its request or score with it outside a lease.
 */
export interface ModelInfo {
  readonly name: string;
  readonly version: string;
  readonly task: ModelTask;
  /** The runtime that scores this version: XGBoost's trees compiled at load, or ONNX Runtime. */
  readonly scorer: ScorerKind;
  /** Raw input fields in request-schema order. */
  readonly fields: readonly FieldInfo[];
  /** Strings that count as missing in any field (e.g. the web form's "Select"), besides null. */
  readonly missingValues: readonly string[];
  /** When the version was trained (metadata created_at, as written). */
  readonly createdAt: string;
  /** The held-out metrics that are single numbers (roc_auc, log_loss…). */
  readonly metrics: Readonly<Record<string, number>>;
  readonly primaryMetric: { readonly name: string; readonly value: number };
  /**
   * Capture, precision and lift at the top 5/10/20/30 % of leads on the held-out split
   * (metadata `ranking.held_out`); absent for a regression and versions without it.
   */
  readonly ranking?: Readonly<Record<string, number>>;
  /** Each metric's mean and sd over the folds (metadata `cross_validation`); absent without. */
  readonly crossValidation?: FoldSummary;
  /** A typical lead (metadata explain_baseline): the reference of sampled Shapley. */
  readonly explainBaseline: Readonly<Record<string, number | string>>;
  /** The preprocessed tensor the model scores: the ONNX input's name and its row width. */
  readonly tensor: { readonly name: string; readonly width: number };
}

export function describeModel(model: LoadedModel): ModelInfo {
  const { metadata } = model;
  return Object.freeze({
    name: model.name,
    version: model.version,
    task: model.task,
    scorer: model.scorerKind,
    fields: Object.freeze(metadata.schema.fields.map((field) => describeField(field, metadata))),
    missingValues: Object.freeze([...model.preprocessor.spec.missing_values]),
    tensor: Object.freeze({ name: metadata.onnx.input, width: model.width }),
    createdAt: metadata.created_at,
    metrics: Object.freeze(numericMetrics(metadata.metrics)),
    primaryMetric: Object.freeze({
      name: metadata.primary_metric.name,
      value: metadata.primary_metric.value,
    }),
    explainBaseline: Object.freeze({ ...metadata.explain_baseline }),
    ...evaluation(metadata),
  });
}

/** The held-out ranking and the fold summary, as far as the version has them. */
function evaluation(metadata: ModelMetadata): Pick<ModelInfo, "ranking" | "crossValidation"> {
  const { ranking, cross_validation: folds } = metadata;
  return {
    ...(ranking ? { ranking: Object.freeze({ ...ranking.held_out }) } : {}),
    ...(folds
      ? {
          crossValidation: Object.freeze({
            folds: folds.folds,
            repeats: folds.repeats,
            metrics: Object.freeze(
              Object.fromEntries(
                Object.entries(folds.metrics).map(([name, { mean, sd }]) => [name, { mean, sd }]),
              ),
            ),
          }),
        }
      : {}),
  };
}

/** Metrics other than numbers (a confusion matrix) stay in metadata.json. */
function numericMetrics(metrics: Record<string, unknown>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(metrics).filter(
      (entry): entry is [string, number] =>
        typeof entry[1] === "number" && Number.isFinite(entry[1]),
    ),
  );
}

/** "total_time_spent_on_website" → "Total time spent on website": for versions without labels. */
export function readableFieldName(name: string): string {
  const words = name.replace(/[_.-]+/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function describeField(
  field: ModelMetadata["schema"]["fields"][number],
  metadata: ModelMetadata,
): FieldInfo {
  const { name, type, nullable, categories, description } = field;
  const info: FieldInfo = {
    name,
    type,
    displayName: field.display_name ?? readableFieldName(name),
    ...(description === undefined ? {} : { description }),
    nullable,
  };
  if (type === "string") {
    return Object.freeze({ ...info, categories: Object.freeze([...(categories ?? [])]) });
  }
  // The outer bin edges of the training histogram are the extremes seen (pipeline/baselines.py).
  const baseline = metadata.baselines?.[name];
  const edges = baseline?.type === "numeric" ? baseline.bin_edges : [];
  const [min, max] = [edges[0], edges.at(-1)];
  if (min === undefined || max === undefined) return Object.freeze(info);
  return Object.freeze({ ...info, trainingRange: Object.freeze({ min, max }) });
}

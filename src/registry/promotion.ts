import type { ModelMetadata } from "../model/metadata.js";

export interface PromotionDecision {
  readonly promote: boolean;
  readonly reason: string;
}

/**
 * Promote-if-better: the candidate replaces production only when its primary metric (ROC-AUC
 * for binary, higher is better; RMSE for regression, lower is better) is strictly better on its
 * held-out split. No production model yet → promote.
 */
export function decidePromotion(
  candidate: ModelMetadata,
  production: ModelMetadata | undefined,
): PromotionDecision {
  const metric = candidate.primary_metric;
  if (production === undefined) {
    return { promote: true, reason: `no production version yet; ${describe(candidate)}` };
  }
  const current = production.primary_metric;
  if (current.name !== metric.name || current.higher_is_better !== metric.higher_is_better) {
    return {
      promote: false,
      reason: `metrics are not comparable: candidate ${metric.name}, production ${current.name}`,
    };
  }
  const better = metric.higher_is_better
    ? metric.value > current.value
    : metric.value < current.value;
  const comparison = `${describe(candidate)} vs production ${production.version} ${current.name} ${current.value.toFixed(6)}`;
  return better
    ? { promote: true, reason: `better: ${comparison}` }
    : { promote: false, reason: `not strictly better: ${comparison}` };
}

function describe(model: ModelMetadata): string {
  const { name, value, higher_is_better } = model.primary_metric;
  return `candidate ${model.version} ${name} ${value.toFixed(6)} (${higher_is_better ? "higher" : "lower"} is better)`;
}

import type { Comparison } from "../model/comparison.js";
import type { ModelMetadata } from "../model/metadata.js";
import type { AliasRecord } from "./alias.js";
import type { Registry } from "./registry.js";

export interface PromotionDecision {
  readonly promote: boolean;
  readonly reason: string;
}

/**
 * Promote-if-better: the candidate replaces production only when its primary metric (ROC-AUC
 * for binary, higher is better; RMSE for regression, lower is better) is better beyond noise.
 * With a paired comparison in the candidate's metadata (the pipeline's, against exactly this
 * production version) that means its whole interval of candidate − production lies beyond the
 * comparison's margin on the better side; without one, the older rule: strictly better on its own held-out split, whose
 * noise nothing measures. No production model yet → promote.
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
  if (candidate.comparison !== undefined) {
    return decidePaired(candidate.comparison, production.version);
  }
  const better = metric.higher_is_better
    ? metric.value > current.value
    : metric.value < current.value;
  const comparison = `${describe(candidate)} vs production ${production.version} ${current.name} ${current.value.toFixed(6)} (held-out splits, no paired comparison)`;
  return better
    ? { promote: true, reason: `better: ${comparison}` }
    : { promote: false, reason: `not strictly better: ${comparison}` };
}

/** Better beyond noise: the whole interval of candidate − production clears the margin. */
function decidePaired(comparison: Comparison, production: string): PromotionDecision {
  if (comparison.against.version !== production) {
    return {
      promote: false,
      reason: `compared with ${comparison.against.version}, but production is now ${production}: retrain to compare again`,
    };
  }
  const [low, high] = comparison.interval;
  const margin = comparison.margin ?? 0;
  const better = comparison.higher_is_better ? low > margin : high < -margin;
  const signed = (x: number) => (x >= 0 ? "+" : "") + x.toFixed(4);
  const percent = Math.round(comparison.level * 1000) / 10;
  const detail =
    `${comparison.metric} ${signed(comparison.difference)} ` +
    `(${percent}% ${comparison.method} ${signed(low)} to ${signed(high)}, ` +
    `${comparison.rows} rows, margin ${margin}) vs production ${production}`;
  return better
    ? { promote: true, reason: `better beyond noise: ${detail}` }
    : { promote: false, reason: `not significantly better: ${detail}` };
}

function describe(model: ModelMetadata): string {
  const { name, value, higher_is_better } = model.primary_metric;
  return `candidate ${model.version} ${name} ${value.toFixed(6)} (${higher_is_better ? "higher" : "lower"} is better)`;
}

export interface PromotionOutcome extends PromotionDecision {
  /** The alias as written, when promoted. */
  readonly record?: AliasRecord;
  /** The version the alias named when the decision was made. */
  readonly production?: string;
}

/**
 * Promote-if-better as one atomic step: the alias is read once, the decision is made on that
 * state, and the write is a compare-and-swap on exactly that state's generation. A promotion
 * that lands in between makes this fail with ConflictError instead of being overwritten.
 */
export async function promoteIfBetter(
  registry: Registry,
  version: string,
  alias: string,
  actor?: string,
): Promise<PromotionOutcome> {
  const current = await registry.alias(alias);
  const production =
    current === undefined ? undefined : await registry.metadata(current.record.version);
  const decision = decidePromotion(await registry.metadata(version), production);
  const base = { ...decision, production: production?.version };
  if (!decision.promote) return base;
  const record = await registry.promote(version, alias, {
    actor,
    basedOn: current ?? null,
    action: "promote-if-better",
    reason: decision.reason,
  });
  return { ...base, record };
}

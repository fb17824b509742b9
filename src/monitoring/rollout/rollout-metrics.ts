import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { ShadowScored } from "../../dataplane/observer.js";
import { CANDIDATE, type RolloutPlan } from "../../lifecycle/rollout-plan.js";
import type { LoadedModel } from "../../model/loaded-model.js";
import type { Guardrails } from "../../registry/rollout.js";
import { CandidateWindow } from "./candidate-window.js";
import { breachOf, type Breach, type GuardrailName } from "./guardrails.js";
import { ShadowWindow } from "./shadow-window.js";

/** Rows of the shadow comparison window per pair of versions, and candidate scorings kept. */
export const SHADOW_WINDOW_ROWS = 10_000;
export const CANDIDATE_WINDOW_SCORINGS = 10_000;

const LATENCY_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
];

interface Pair {
  readonly production: LoadedModel;
  readonly candidate: LoadedModel;
  readonly window: ShadowWindow;
}

/**
 * Everything a rollout exports: the candidate's shadow latency and errors, canary fallbacks,
 * queue drops, guardrail stops, and the comparison of each pair of versions (mean and p99
 * absolute score difference, Spearman, agreement at the decision threshold) over a window of
 * rows, computed when Prometheus scrapes, never per request.
 */
export class RolloutMetrics {
  readonly shadowDuration: Histogram<"model" | "version">;
  readonly shadowErrors: Counter<"model" | "version">;
  readonly shadowDrops: Counter;
  readonly canaryFallbacks: Counter<"model" | "version">;
  readonly stops: Counter<"model" | "version" | "guardrail">;
  private readonly pairs = new Map<string, Pair>();
  private candidate: LoadedModel | undefined;
  private window = new CandidateWindow(CANDIDATE_WINDOW_SCORINGS);

  constructor(
    prefix: string,
    registry: Registry,
    /** The score at which shadow agreement compares decisions when a request names none. */
    private readonly decisionThreshold = 0.5,
  ) {
    const registers = [registry];
    this.shadowDuration = new Histogram({
      name: `${prefix}shadow_duration_seconds`,
      help: "The candidate's scoring time of one shadowed batch (after the response).",
      labelNames: ["model", "version"] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.shadowErrors = new Counter({
      name: `${prefix}shadow_errors_total`,
      help: "Shadowed batches the candidate failed to score (production's answer stood).",
      labelNames: ["model", "version"] as const,
      registers,
    });
    this.shadowDrops = new Counter({
      name: `${prefix}shadow_dropped_total`,
      help: "Batches not shadow-scored because the shadow queue was full (SHADOW_QUEUE_SIZE).",
      registers,
    });
    this.canaryFallbacks = new Counter({
      name: `${prefix}canary_fallbacks_total`,
      help: "Canary requests the candidate failed and production answered instead.",
      labelNames: ["model", "version"] as const,
      registers,
    });
    this.stops = new Counter({
      name: `${prefix}rollout_stops_total`,
      help: "Rollouts this replica stopped (0 % to the candidate), by the guardrail that fired.",
      labelNames: ["model", "version", "guardrail"] as const,
      registers,
    });
    this.shadowDrops.inc(0);
    this.registerComparisonGauges(prefix, registry);
  }

  /**
   * What this replica does with the candidate now, read from `plan` when Prometheus scrapes:
   * the canary share and shadow sampling it applies (0 after a guardrail stop) and whether it
   * stopped the candidate itself.
   */
  followPlan(prefix: string, registry: Registry, plan: RolloutPlan): void {
    const labelNames = ["model", "candidate"] as const;
    const share = new Gauge({
      name: `${prefix}rollout_canary_share`,
      help: "Fraction of requests (0..1) this replica sends to the candidate now.",
      labelNames,
      registers: [],
    });
    const sampling = new Gauge({
      name: `${prefix}rollout_shadow_sampling`,
      help: "Fraction of requests (0..1) this replica shadow-scores with the candidate now.",
      labelNames,
      registers: [],
    });
    const stopped = new Gauge({
      name: `${prefix}rollout_stopped`,
      help: "1 when a guardrail on this replica stopped the candidate (until the rollout changes).",
      labelNames,
      registers: [],
      collect() {
        for (const gauge of [share, sampling, stopped]) gauge.reset();
        const candidate = plan.candidate.current();
        if (candidate === undefined || plan.state === undefined) return;
        const labels = { model: candidate.name, candidate: candidate.version };
        share.set(labels, plan.canaryFraction);
        sampling.set(labels, plan.shadowSampling);
        stopped.set(labels, plan.stopped === undefined ? 0 : 1);
      },
    });
    // `stopped`'s collect sets all three: registered first, it runs before the others are read.
    for (const gauge of [stopped, share, sampling]) registry.registerMetric(gauge);
  }

  /** A version started serving under `holder`; a new candidate starts with an empty window. */
  serving(model: LoadedModel, holder: string): void {
    if (holder !== CANDIDATE) return;
    this.candidate = model;
    this.window = new CandidateWindow(CANDIDATE_WINDOW_SCORINGS);
  }

  /** A version is gone: its series and the comparisons it was part of go too. */
  released(model: LoadedModel): void {
    const labels = { model: model.name, version: model.version };
    this.shadowDuration.remove(labels);
    this.shadowErrors.remove(labels);
    this.canaryFallbacks.remove(labels);
    for (const [key, pair] of this.pairs) {
      if (pair.production === model || pair.candidate === model) this.pairs.delete(key);
    }
    if (this.candidate === model) this.candidate = undefined;
  }

  /** A scoring call finished; the candidate's (canary) count towards its guardrails. */
  inference(model: LoadedModel, seconds: number): void {
    if (model === this.candidate) this.window.succeeded(seconds);
  }

  candidateFallback(candidate: LoadedModel): void {
    this.canaryFallbacks.inc({ model: candidate.name, version: candidate.version });
    if (candidate === this.candidate) this.window.failedOnce();
  }

  shadowScored({ production, candidate, scores, seconds }: ShadowScored): void {
    this.shadowDuration.observe({ model: candidate.name, version: candidate.version }, seconds);
    const threshold = production.input.threshold ?? this.decisionThreshold;
    const disagreeing = this.pair(production.model, candidate).add(
      production.scores,
      scores,
      threshold,
    );
    if (candidate === this.candidate) {
      this.window.succeeded(
        seconds,
        Math.min(production.scores.length, scores.length),
        disagreeing,
      );
    }
  }

  shadowFailed(_production: LoadedModel, candidate: LoadedModel): void {
    this.shadowErrors.inc({ model: candidate.name, version: candidate.version });
    if (candidate === this.candidate) this.window.failedOnce();
  }

  shadowDropped(): void {
    this.shadowDrops.inc();
  }

  /**
   * The guardrail the current candidate breaches now, if any; counted here, once per stop, by
   * the caller's decision to act on it (see stopped()).
   */
  breach(guardrails: Guardrails, driftAlerting: readonly string[]): Breach | undefined {
    if (this.candidate === undefined) return undefined;
    return breachOf(this.window.summary(guardrails.window_seconds), guardrails, driftAlerting);
  }

  /** This replica stopped routing to `candidate` because `guardrail` fired. */
  stopped(candidate: LoadedModel, guardrail: GuardrailName): void {
    this.stops.inc({ model: candidate.name, version: candidate.version, guardrail });
  }

  private pair(production: LoadedModel, candidate: LoadedModel): ShadowWindow {
    const key = `${production.version} ${candidate.version}`;
    let pair = this.pairs.get(key);
    if (pair === undefined || pair.production !== production || pair.candidate !== candidate) {
      pair = { production, candidate, window: new ShadowWindow(SHADOW_WINDOW_ROWS) };
      this.pairs.set(key, pair);
    }
    return pair.window;
  }

  private registerComparisonGauges(prefix: string, registry: Registry): void {
    const labelNames = ["model", "production", "candidate"] as const;
    const gauge = (name: string, help: string, collect?: () => void) =>
      new Gauge({ name: `${prefix}${name}`, help, labelNames, registers: [], collect });
    const mean = gauge("shadow_abs_diff_mean", "Mean |candidate - production| score, window.");
    const p99 = gauge("shadow_abs_diff_p99", "p99 of |candidate - production| score, window.");
    const rank = gauge(
      "shadow_spearman",
      "Spearman rank correlation of candidate and production scores over the window.",
    );
    const agreement = gauge(
      "shadow_agreement",
      "Share of instances both versions decide alike at the decision threshold, window.",
    );
    const pairs = this.pairs;
    // The first gauge's collect sets all of them (the registry collects in registration order).
    const rows = gauge(
      "shadow_window_instances",
      "Instances in the shadow comparison window.",
      () => {
        for (const each of [rows, mean, p99, rank, agreement]) each.reset();
        for (const { production, candidate, window } of pairs.values()) {
          const comparison = window.compare();
          if (comparison === undefined) continue;
          const labels = {
            model: candidate.name,
            production: production.version,
            candidate: candidate.version,
          };
          rows.set(labels, comparison.rows);
          mean.set(labels, comparison.meanAbsDiff);
          p99.set(labels, comparison.p99AbsDiff);
          if (!Number.isNaN(comparison.spearman)) rank.set(labels, comparison.spearman);
          agreement.set(labels, comparison.agreement);
        }
      },
    );
    for (const each of [rows, mean, p99, rank, agreement]) registry.registerMetric(each);
  }
}

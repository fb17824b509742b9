import { Type, type Static } from "typebox";
import { artifactParser } from "../model/parse-artifact.js";

const SEMVER = "^\\d+\\.\\d+\\.\\d+$";

/**
 * When a replica stops routing to the candidate by itself. Each limit is checked per version over
 * `window_seconds`, and only once the candidate has answered `min_requests` times in it, so that
 * one early error is not a 100 % error rate.
 */
export const GuardrailsSchema = Type.Object({
  /** Share of the candidate's scorings that failed (canary fallbacks, shadow errors), 0..1. */
  max_error_rate: Type.Number({ minimum: 0, maximum: 1 }),
  /** The candidate's p99 scoring latency, milliseconds. */
  max_p99_ms: Type.Number({ exclusiveMinimum: 0 }),
  /** Shadow: share of instances whose decision at the threshold differs from production, 0..1. */
  max_disagreement: Type.Number({ minimum: 0, maximum: 1 }),
  /** Stop when the candidate's online drift monitor alerts on any field. */
  stop_on_drift_alert: Type.Boolean(),
  window_seconds: Type.Integer({ minimum: 1 }),
  min_requests: Type.Integer({ minimum: 1 }),
});
export type Guardrails = Static<typeof GuardrailsSchema>;

export const DEFAULT_GUARDRAILS: Guardrails = {
  max_error_rate: 0.01,
  max_p99_ms: 50,
  max_disagreement: 0.1,
  stop_on_drift_alert: true,
  window_seconds: 300,
  min_requests: 100,
};

/** One change of a rollout, as `registry rollout status` prints it. Only ever appended. */
export const RolloutChangeSchema = Type.Object({
  action: Type.Union([
    Type.Literal("start"),
    Type.Literal("set-share"),
    Type.Literal("stop"),
    Type.Literal("promote"),
    Type.Literal("abort"),
  ]),
  at: Type.String(),
  by: Type.String(),
  detail: Type.String(),
});
export type RolloutChange = Static<typeof RolloutChangeSchema>;

/**
 * `<registry>/<model>/rollouts/<alias>.json`: how a candidate version is being tried against the
 * version `alias` names. One object, replaced with compare-and-swap like an alias, so every
 * replica converges on the same share within its poll interval.
 */
export const RolloutStateSchema = Type.Object({
  alias: Type.String(),
  candidate: Type.String({ pattern: SEMVER }),
  /** shadow: the candidate scores a sample after the response; canary: it answers `share` %. */
  mode: Type.Union([Type.Literal("shadow"), Type.Literal("canary")]),
  /** Canary: percentage of requests the candidate answers, 0..100. */
  share: Type.Number({ minimum: 0, maximum: 100 }),
  /** Shadow: fraction of production requests the candidate also scores, 0..1. */
  shadow_sampling: Type.Number({ minimum: 0, maximum: 1 }),
  guardrails: GuardrailsSchema,
  /** active: replicas follow it; stopped: a guardrail fired (0 %); promoted, aborted: over. */
  status: Type.Union([
    Type.Literal("active"),
    Type.Literal("stopped"),
    Type.Literal("promoted"),
    Type.Literal("aborted"),
  ]),
  /** Why a replica stopped it (status stopped). */
  stop_reason: Type.Optional(Type.String()),
  history: Type.Array(RolloutChangeSchema),
});
export type RolloutState = Static<typeof RolloutStateSchema>;

export const parseRollout = artifactParser(RolloutStateSchema);

/** What a replica routes to the candidate now: nothing unless the rollout is active. */
export function liveShare(state: RolloutState | undefined): number {
  return state?.status === "active" && state.mode === "canary" ? state.share : 0;
}

/** The fraction of requests a replica shadow-scores now. */
export function liveShadowSampling(state: RolloutState | undefined): number {
  return state?.status === "active" && state.mode === "shadow" ? state.shadow_sampling : 0;
}

/** Active or stopped: the candidate stays loaded and a person still has to promote or abort. */
export function isOpen(state: RolloutState): boolean {
  return state.status === "active" || state.status === "stopped";
}

import type { Guardrails } from "../../registry/rollout.js";
import type { CandidateSummary } from "./candidate-window.js";

/** Which guardrail fired, as the rollout_stops_total metric labels it. */
export type GuardrailName = "error_rate" | "p99_latency" | "disagreement" | "drift";

export interface Breach {
  readonly guardrail: GuardrailName;
  /** For people: the value, the limit and the window, e.g. in `registry rollout status`. */
  readonly reason: string;
}

/**
 * The first guardrail the candidate breaches over the window, or undefined. Nothing is judged
 * before `min_requests` scorings, so that one early failure is not a 100 % error rate; a drift
 * alert needs no minimum (the drift monitor has its own).
 */
export function breachOf(
  summary: CandidateSummary,
  guardrails: Guardrails,
  driftAlerting: readonly string[],
): Breach | undefined {
  const window = `over ${guardrails.window_seconds} s`;
  if (guardrails.stop_on_drift_alert && driftAlerting.length > 0) {
    return { guardrail: "drift", reason: `drift alert on ${driftAlerting.join(", ")}` };
  }
  if (summary.scorings < guardrails.min_requests) return undefined;
  const errorRate = summary.failures / summary.scorings;
  if (errorRate > guardrails.max_error_rate) {
    return {
      guardrail: "error_rate",
      reason:
        `error rate ${round(errorRate)} > ${guardrails.max_error_rate} ${window} ` +
        `(${summary.failures} of ${summary.scorings} scorings failed)`,
    };
  }
  const p99Ms = summary.p99Seconds === undefined ? undefined : summary.p99Seconds * 1000;
  if (p99Ms !== undefined && p99Ms > guardrails.max_p99_ms) {
    return {
      guardrail: "p99_latency",
      reason: `p99 latency ${round(p99Ms)} ms > ${guardrails.max_p99_ms} ms ${window}`,
    };
  }
  const disagreement = summary.compared === 0 ? 0 : summary.disagreeing / summary.compared;
  if (disagreement > guardrails.max_disagreement) {
    return {
      guardrail: "disagreement",
      reason:
        `shadow disagreement ${round(disagreement)} > ${guardrails.max_disagreement} ${window} ` +
        `(${summary.disagreeing} of ${summary.compared} instances decided differently)`,
    };
  }
  return undefined;
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

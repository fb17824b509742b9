import type { FastifyBaseLogger } from "fastify";
import { describeError } from "../../errors.js";
import type { RolloutPlan } from "../../lifecycle/rollout-plan.js";
import { PollTimer } from "../../poll-timer.js";
import type { DriftMonitors } from "../drift/monitor.js";
import type { RolloutMetrics } from "./rollout-metrics.js";

export interface GuardrailWatchOptions {
  readonly plan: RolloutPlan;
  readonly metrics: RolloutMetrics;
  readonly drift: DriftMonitors | undefined;
  /** Stops routing to the candidate and records why (RolloutFollower.stopCandidate). */
  readonly stop: (reason: string) => Promise<void>;
  readonly log: FastifyBaseLogger;
}

/**
 * Checks the active rollout's guardrails on a timer, off the request path: the candidate's
 * error rate, p99 latency and shadow disagreement over the window, and its drift alerts. The
 * first breach stops the candidate on this replica at once (0 %), is counted by guardrail and
 * logged, and is recorded in the registry's rollout state. It never moves the alias.
 */
export class GuardrailWatch extends PollTimer {
  constructor(private readonly options: GuardrailWatchOptions) {
    super(() => this.checkGuardrails());
  }

  private async checkGuardrails(): Promise<void> {
    const { plan, metrics, drift, stop, log } = this.options;
    const state = plan.state;
    const candidate = plan.candidate.current();
    if (state?.status !== "active" || plan.stopped !== undefined) return;
    if (candidate === undefined || candidate.version !== state.candidate) return;
    const alerting =
      drift
        ?.get(candidate)
        ?.report()
        .fields.filter((field) => field.alerting)
        .map((field) => field.field) ?? [];
    const breach = metrics.breach(state.guardrails, alerting);
    if (breach === undefined) return;
    metrics.stopped(candidate, breach.guardrail);
    try {
      await stop(breach.reason);
    } catch (error) {
      log.error({ err: error }, `rollout stop failed: ${describeError(error)}`);
    }
  }
}

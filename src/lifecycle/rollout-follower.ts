import type { FastifyBaseLogger } from "fastify";
import { ArtifactError, describeError, StorageUnavailableError } from "../errors.js";
import { loadModel, type LoadModelOptions } from "../model/load-model.js";
import { PollTimer } from "../poll-timer.js";
import { isOpen } from "../registry/rollout.js";
import type { Rollouts } from "../registry/rollouts.js";
import type { LoadObserver } from "./load-observer.js";
import type { RolloutPlan } from "./rollout-plan.js";

/** The rollout to follow, the plan it drives, and how to load a candidate (LoadModelOptions). */
export interface RolloutFollowerOptions extends LoadModelOptions {
  readonly rollouts: Rollouts;
  readonly plan: RolloutPlan;
  readonly observer: LoadObserver;
  readonly log: FastifyBaseLogger;
  /** Who this replica is in the rollout's history when it stops it (e.g. the pod's name). */
  readonly replica: string;
}

/**
 * Follows `<model>/rollouts/<alias>.json` as the alias follower follows the alias: a poll reads
 * the generation only, a change reads the state, and a new candidate is loaded with the same
 * verification and golden gate as any version before the plan routes anything to it. A candidate
 * that fails is refused (counted and logged as a failed load of that version), the plan stays
 * at nothing, and production serves on. A closed rollout (promoted, aborted) drops the candidate.
 */
export class RolloutFollower extends PollTimer {
  private seenGeneration: string | undefined;

  constructor(private readonly options: RolloutFollowerOptions) {
    super(() => this.followState());
  }

  /**
   * A guardrail fired: this replica routes nothing to the candidate from now on, and records
   * the stop in the registry's rollout state (compare-and-swap), so every replica follows and
   * `registry rollout status` says why. The alias never moves.
   */
  async stopCandidate(reason: string): Promise<void> {
    const { plan, log } = this.options;
    const candidate = plan.state?.candidate;
    if (candidate === undefined || plan.stopped !== undefined) return;
    plan.stop(reason);
    log.warn({ candidate, reason }, `rollout stopped: ${reason}; 0 % to ${candidate}`);
    await this.recordStop(candidate, reason);
  }

  /** Writes the stop into the registry's rollout state (compare-and-swap). */
  private async recordStop(candidate: string, reason: string): Promise<void> {
    const { rollouts, replica, log } = this.options;
    try {
      await rollouts.stop(candidate, reason, replica);
    } catch (error) {
      // Another replica or a person changed it first: the next poll reads what they wrote.
      log.warn({ err: error, candidate }, `could not record the stop: ${describeError(error)}`);
    }
  }

  private async followState(): Promise<void> {
    const { rollouts, plan, log, observer } = this.options;
    let attempted: string | undefined;
    let version: string | undefined;
    try {
      const generation = await rollouts.generation();
      if (generation === this.seenGeneration) return;
      const current = generation === undefined ? undefined : await rollouts.read();
      attempted = current?.generation;
      const state = current?.state;
      if (state === undefined || !isOpen(state)) {
        plan.follow(state, attempted);
        this.seenGeneration = attempted;
        if (plan.candidate.current() !== undefined) {
          log.info({ status: state?.status }, "rollout closed: candidate dropped");
          await plan.candidate.close();
        }
        return;
      }
      version = state.candidate;
      if (plan.candidate.current()?.version !== version) {
        // Nothing goes to the old candidate (or a half-loaded new one) while this one loads.
        plan.follow(undefined, undefined);
        log.info({ candidate: version, mode: state.mode }, "rollout: loading the candidate");
        const model = await loadModel(
          rollouts.registry.store,
          rollouts.registry.versionPath(version),
          this.options,
        );
        await plan.candidate.swap(model);
        observer.modelLoaded(model);
      }
      plan.follow(state, attempted);
      this.seenGeneration = attempted;
      log.info(
        { candidate: version, mode: state.mode, share: state.share, status: state.status },
        "rollout: following the new state",
      );
    } catch (error) {
      if (!(error instanceof StorageUnavailableError) && attempted !== undefined) {
        this.seenGeneration = attempted;
      }
      observer.modelLoadFailed(version, error);
      log.error(
        { err: error, candidate: version },
        `rollout candidate refused, production serves on: ${describeError(error)}`,
      );
      // A broken candidate (not an unreachable store) stops the rollout for every replica, and
      // `registry rollout status` says why.
      if (version !== undefined && error instanceof ArtifactError) {
        await this.recordStop(version, `refused at load: ${describeError(error)}`);
      }
    }
  }
}

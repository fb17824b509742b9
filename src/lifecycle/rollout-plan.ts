import type { RolloutState } from "../registry/rollout.js";
import { liveShadowSampling, liveShare } from "../registry/rollout.js";
import type { ModelHolder } from "./model-holder.js";

/** The ModelSet name the rollout's candidate is held under, beside PRIMARY. */
export const CANDIDATE = "candidate";

/**
 * What this replica does with the candidate right now, read by the data plane on every request:
 * two numbers, set when the rollout state changes, so routing is a compare and sampling one
 * `Math.random()`. The state comes from the registry (RolloutFollower); a guardrail can stop it
 * here at once, before the registry has heard of it.
 */
export class RolloutPlan {
  /** Canary: fraction of requests (0..1) the candidate answers. 0 = none. */
  canaryFraction = 0;
  /** Shadow: fraction of requests (0..1) the candidate also scores after the response. */
  shadowSampling = 0;
  private applied: RolloutState | undefined;
  private appliedGeneration: string | undefined;
  /** The generation this replica stopped at: it stays stopped until the state changes. */
  private stoppedAt: string | undefined;
  private stopReason: string | undefined;

  constructor(
    /** Where the candidate's loaded version is (ModelSet.holder(CANDIDATE)). */
    readonly candidate: ModelHolder,
  ) {}

  /** The rollout state this replica follows (undefined: none). */
  get state(): RolloutState | undefined {
    return this.applied;
  }

  /** Why this replica stopped routing to the candidate, until the rollout changes. */
  get stopped(): string | undefined {
    return this.stopReason;
  }

  /**
   * Follows a state read at `generation`, once its candidate is loaded in `candidate`. A local
   * stop holds until the state moves on (a person's set-share, abort, a new rollout).
   */
  follow(state: RolloutState | undefined, generation: string | undefined): void {
    this.applied = state;
    this.appliedGeneration = generation;
    if (this.stoppedAt !== undefined && this.stoppedAt === generation) return;
    this.stoppedAt = undefined;
    this.stopReason = undefined;
    this.canaryFraction = liveShare(state) / 100;
    this.shadowSampling = liveShadowSampling(state);
  }

  /** A guardrail fired: nothing goes to the candidate from now on, on this replica. */
  stop(reason: string): void {
    this.canaryFraction = 0;
    this.shadowSampling = 0;
    this.stoppedAt = this.appliedGeneration ?? "";
    this.stopReason = reason;
  }

  /** Whether a request is answered by the candidate; `key` is its lead id when it has one. */
  routesToCandidate(key: string | undefined): boolean {
    const fraction = this.canaryFraction;
    if (fraction === 0) return false;
    return (key === undefined ? Math.random() : unitHash(key)) < fraction;
  }
}

/**
 * FNV-1a over the UTF-16 code units, then MurmurHash3's finalizer (FNV alone leaves ids that
 * differ in their last character close together in the high bits), as a fraction in [0, 1):
 * the same lead id always lands on the same side of the share (sticky), and raising the share
 * only moves leads to the candidate.
 */
export function unitHash(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return (hash >>> 0) / 0x1_0000_0000;
}

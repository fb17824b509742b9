import { Compile } from "typebox/compile";
import { ConflictError, InvalidInputError } from "../errors.js";
import { joinPath } from "../storage/store.js";
import { defaultActor } from "./actor.js";
import { ALIAS_PATTERN, type AliasRecord } from "./alias.js";
import type { Registry } from "./registry.js";
import {
  DEFAULT_GUARDRAILS,
  GuardrailsSchema,
  isOpen,
  parseRollout,
  type Guardrails,
  type RolloutChange,
  type RolloutState,
} from "./rollout.js";
import { verifyVersion } from "./verify.js";

const guardrailsValidator = Compile(GuardrailsSchema);

export interface RolloutVersioned {
  readonly state: RolloutState;
  readonly generation: string;
}

export interface RolloutStart {
  readonly candidate: string;
  readonly mode: RolloutState["mode"];
  /** Canary share, 0..100 (default 0: start at nothing, then set-share). */
  readonly share?: number;
  /** Shadow sampling, 0..1 (default 1). */
  readonly shadowSampling?: number;
  readonly guardrails?: Partial<Guardrails>;
}

/**
 * The rollout of a candidate against one alias, stored next to the aliases
 * (`<model>/rollouts/<alias>.json`) and changed only with compare-and-swap on the generation
 * read, so two operators (or an operator and a replica stopping it) never overwrite each other.
 * A rollout never moves the alias by itself: only `promote` does, through the registry's
 * verified promote, which records the move in the alias history.
 */
export class Rollouts {
  readonly path: string;

  constructor(
    readonly registry: Registry,
    readonly alias = "production",
  ) {
    if (!ALIAS_PATTERN.test(alias)) {
      throw new InvalidInputError(`invalid alias "${alias}": expected ${ALIAS_PATTERN.source}`);
    }
    this.path = joinPath(registry.model, "rollouts", `${alias}.json`);
  }

  /** The state and its generation, or undefined when no rollout was ever started. */
  async read(): Promise<RolloutVersioned | undefined> {
    const found = await this.registry.store.readVersioned(this.path);
    if (found === undefined) return undefined;
    const file = `${this.registry.store.location}/${this.path}`;
    return { state: parseRollout(found.bytes, file), generation: found.generation };
  }

  /** What a replica polls: the generation only. */
  generation(): Promise<string | undefined> {
    return this.registry.store.generation(this.path);
  }

  /**
   * Starts a rollout of `candidate`, once it exists and passes the verification promote makes.
   * Refused while another rollout is active or stopped (promote or abort it first).
   */
  async start(start: RolloutStart, actor = defaultActor()): Promise<RolloutState> {
    const share = checkShare(start.share ?? 0);
    const sampling = checkSampling(start.shadowSampling ?? 1);
    await this.registry.metadata(start.candidate); // names the version when it does not exist
    await verifyVersion(
      this.registry.store,
      this.registry.versionPath(start.candidate),
      `refusing to start a rollout of ${this.registry.model} ${start.candidate}`,
    );
    const current = await this.read();
    if (current !== undefined && isOpen(current.state)) {
      throw new InvalidInputError(
        `a rollout of ${current.state.candidate} is ${current.state.status}; ` +
          `promote or abort it before starting another`,
      );
    }
    const state: RolloutState = {
      alias: this.alias,
      candidate: start.candidate,
      mode: start.mode,
      share,
      shadow_sampling: sampling,
      guardrails: checkGuardrails({ ...DEFAULT_GUARDRAILS, ...start.guardrails }),
      status: "active",
      history: [
        ...(current?.state.history ?? []),
        change("start", actor, `${start.candidate} in ${start.mode} mode, share ${share} %`),
      ],
    };
    await this.write(state, current?.generation);
    return state;
  }

  /** A new canary share (0..100); an active or stopped rollout becomes active at that share. */
  async setShare(share: number, actor = defaultActor()): Promise<RolloutState> {
    checkShare(share);
    return await this.update((state) => ({
      ...state,
      mode: "canary",
      share,
      status: "active",
      stop_reason: undefined,
      history: [...state.history, change("set-share", actor, `share ${share} %`)],
    }));
  }

  /**
   * A replica's guardrail fired: routes 0 % to the candidate everywhere. Only an active rollout
   * of `candidate` is stopped, so a stop computed on an old rollout never touches a new one.
   */
  async stop(candidate: string, reason: string, actor: string): Promise<RolloutState | undefined> {
    const current = await this.read();
    if (current === undefined) return undefined;
    const { state } = current;
    if (state.status !== "active" || state.candidate !== candidate) return state;
    const stopped: RolloutState = {
      ...state,
      status: "stopped",
      stop_reason: reason,
      history: [...state.history, change("stop", actor, reason)],
    };
    await this.write(stopped, current.generation);
    return stopped;
  }

  /** Points the alias at the candidate (verified, recorded in the alias history), then closes. */
  async promote(
    actor = defaultActor(),
    reason = "",
  ): Promise<{ state: RolloutState; alias: AliasRecord }> {
    const current = await this.readOpen();
    const { candidate, mode } = current.state;
    const alias = await this.registry.promote(candidate, this.alias, {
      actor,
      reason: reason === "" ? `rollout of ${candidate} (${mode}) promoted` : reason,
    });
    const state: RolloutState = {
      ...current.state,
      status: "promoted",
      share: 0,
      history: [...current.state.history, change("promote", actor, reason)],
    };
    await this.write(state, current.generation);
    return { state, alias };
  }

  /** Ends the rollout: every replica stops routing to and shadowing the candidate. */
  abort(actor = defaultActor(), reason = ""): Promise<RolloutState> {
    return this.update((state) => ({
      ...state,
      status: "aborted",
      share: 0,
      history: [...state.history, change("abort", actor, reason)],
    }));
  }

  private async update(next: (state: RolloutState) => RolloutState): Promise<RolloutState> {
    const current = await this.readOpen();
    const state = withoutUndefined(next(current.state));
    await this.write(state, current.generation);
    return state;
  }

  private async readOpen(): Promise<RolloutVersioned> {
    const current = await this.read();
    if (current === undefined || !isOpen(current.state)) {
      throw new InvalidInputError(
        `no rollout is in progress for ${this.registry.model}@${this.alias}` +
          (current === undefined ? "" : ` (the last one was ${current.state.status})`),
      );
    }
    return current;
  }

  private async write(state: RolloutState, generation: string | undefined): Promise<void> {
    const bytes = Buffer.from(`${JSON.stringify(state, null, 2)}\n`);
    try {
      await this.registry.store.replace(this.path, bytes, generation);
    } catch (error) {
      if (error instanceof ConflictError) {
        throw new ConflictError(
          `the rollout of ${this.registry.model}@${this.alias} was changed by someone else ` +
            `meanwhile; nothing was changed: ${error.message}`,
        );
      }
      throw error;
    }
  }
}

function change(action: RolloutChange["action"], by: string, detail: string): RolloutChange {
  return { action, at: new Date().toISOString(), by, detail };
}

/** JSON drops undefined anyway; the parsed state must match what was written. */
function withoutUndefined(state: RolloutState): RolloutState {
  return JSON.parse(JSON.stringify(state)) as RolloutState;
}

export function checkShare(share: number): number {
  if (!Number.isFinite(share) || share < 0 || share > 100) {
    throw new InvalidInputError(`share must be a number from 0 to 100 (percent), got ${share}`);
  }
  return share;
}

export function checkSampling(sampling: number): number {
  if (!Number.isFinite(sampling) || sampling < 0 || sampling > 1) {
    throw new InvalidInputError(`shadow sampling must be from 0 to 1, got ${sampling}`);
  }
  return sampling;
}

/** Guardrail overrides from the command line, checked before anything is written. */
function checkGuardrails(guardrails: Guardrails): Guardrails {
  const problem = guardrailsValidator.Errors(guardrails)[Symbol.iterator]().next();
  if (!problem.done) {
    const { instancePath, message } = problem.value;
    throw new InvalidInputError(`guardrail ${instancePath.slice(1)} ${message}`);
  }
  return guardrails;
}

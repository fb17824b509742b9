import { parseArgs } from "node:util";
import { InvalidInputError } from "../errors.js";
import { Registry } from "../registry/registry.js";
import type { Guardrails, RolloutState } from "../registry/rollout.js";
import { Rollouts } from "../registry/rollouts.js";
import { openStore } from "../storage/open-store.js";
import { EXIT } from "./exit-codes.js";
import { DEFAULT_MODEL, registryOptions, STDERR_WARNINGS, UsageError } from "./registry-command.js";

export const ROLLOUT_HELP = `Usage: lead-scoring registry rollout <command> [options]

Commands:
  start <version>               verify a version, then try it against the alias on live traffic
      --mode shadow|canary      shadow: scores a sample after each response; canary: answers
                                --share % of requests (default shadow)
      --share <0..100>          canary share, percent (default 0)
      --sampling <0..1>         shadow sampling (default 1: every request)
      --max-error-rate <0..1>   guardrails: a replica stops routing to the candidate (0 %)
      --max-p99-ms <ms>           when one is breached over the window, and records why;
      --max-disagreement <0..1>   it never moves the alias
      --window-seconds <s>
      --min-requests <n>
      --no-drift-stop           do not stop on the candidate's drift alerts
  set-share <0..100>            canary share, percent; resumes a stopped rollout
  promote                       point the alias at the candidate (verified; in the alias history)
  abort                         end the rollout: every replica drops the candidate
  status                        the rollout, its guardrails, why it stopped, its changes

Options: --registry, --model, --alias (default production), --actor, --reason as for registry.`;

type Print = (line: string) => void;

/** Runs `lead-scoring registry rollout ...`; returns the exit code. */
export async function runRolloutCommand(argv: string[], print: Print): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...registryOptions(),
      mode: { type: "string", default: "shadow" },
      share: { type: "string", default: "0" },
      sampling: { type: "string", default: "1" },
      "max-error-rate": { type: "string" },
      "max-p99-ms": { type: "string" },
      "max-disagreement": { type: "string" },
      "window-seconds": { type: "string" },
      "min-requests": { type: "string" },
      "no-drift-stop": { type: "boolean", default: false },
    },
  });
  const [command, ...args] = positionals;
  if (values.help || command === undefined) {
    print(ROLLOUT_HELP);
    return values.help ? EXIT.ok : EXIT.usage;
  }
  const need = (count: number): string[] => {
    if (args.length !== count)
      throw new UsageError(`rollout ${command} takes ${count} argument(s); see --help`);
    return args;
  };
  const store = await openStore(values.registry, { log: STDERR_WARNINGS });
  const model = values.model ?? DEFAULT_MODEL;
  const rollouts = new Rollouts(new Registry(store, model), values.alias);
  const { actor, reason } = values;
  switch (command) {
    case "start": {
      const [candidate] = need(1);
      const mode = values.mode;
      if (mode !== "shadow" && mode !== "canary") {
        throw new InvalidInputError(`--mode must be shadow or canary, got "${mode}"`);
      }
      const state = await rollouts.start(
        {
          candidate: candidate!,
          mode,
          share: numberOption("--share", values.share),
          shadowSampling: numberOption("--sampling", values.sampling),
          guardrails: guardrailOptions(values),
        },
        actor,
      );
      print(`rollout of ${state.candidate} started: ${describe(state)}`);
      return EXIT.ok;
    }
    case "set-share": {
      const [share] = need(1);
      const state = await rollouts.setShare(numberOption("share", share!), actor);
      print(`rollout of ${state.candidate}: ${describe(state)}`);
      return EXIT.ok;
    }
    case "promote": {
      need(0);
      const { alias } = await rollouts.promote(actor, reason);
      print(
        `${values.alias} → ${alias.version} (was ${alias.previous ?? "unset"}); rollout closed`,
      );
      return EXIT.ok;
    }
    case "abort": {
      need(0);
      const state = await rollouts.abort(actor, reason);
      print(`rollout of ${state.candidate} aborted; ${values.alias} is unchanged`);
      return EXIT.ok;
    }
    case "status": {
      need(0);
      const current = await rollouts.read();
      if (current === undefined) {
        print(`no rollout of ${model}@${values.alias} at ${rollouts.registry.location}`);
        return EXIT.ok;
      }
      printStatus(current.state, print);
      return EXIT.ok;
    }
    default:
      throw new UsageError(`unknown rollout command "${command}"; see --help`);
  }
}

function describe(state: RolloutState): string {
  const traffic =
    state.mode === "canary"
      ? `canary, ${state.share} % of requests`
      : `shadow, sampling ${state.shadow_sampling}`;
  return `${traffic}, ${state.status}`;
}

function printStatus(state: RolloutState, print: Print): void {
  print(`candidate   ${state.candidate} against @${state.alias}`);
  print(`mode        ${describe(state)}`);
  if (state.stop_reason !== undefined) print(`stopped     ${state.stop_reason}`);
  const g = state.guardrails;
  print(
    `guardrails  error rate ≤ ${g.max_error_rate}, p99 ≤ ${g.max_p99_ms} ms, ` +
      `disagreement ≤ ${g.max_disagreement}, drift alerts ${g.stop_on_drift_alert ? "stop" : "ignored"}, ` +
      `over ${g.window_seconds} s once ${g.min_requests} requests`,
  );
  for (const change of state.history) {
    print(`  ${change.at}  ${change.action.padEnd(9)} ${change.by}  ${change.detail}`.trimEnd());
  }
}

/** A number from the command line, or a message naming the option. */
function numberOption(name: string, raw: string): number {
  const value = raw.trim() === "" ? Number.NaN : Number(raw);
  if (!Number.isFinite(value)) {
    throw new InvalidInputError(`${name} must be a number, got "${raw}"`);
  }
  return value;
}

type GuardrailValues = Partial<Record<string, string | boolean | undefined>>;

function guardrailOptions(values: GuardrailValues): Partial<Guardrails> {
  const numbers = {
    max_error_rate: "max-error-rate",
    max_p99_ms: "max-p99-ms",
    max_disagreement: "max-disagreement",
    window_seconds: "window-seconds",
    min_requests: "min-requests",
  } as const;
  const guardrails: Partial<Record<keyof Guardrails, number | boolean>> = {};
  for (const [field, option] of Object.entries(numbers)) {
    const raw = values[option];
    if (typeof raw === "string") {
      guardrails[field as keyof Guardrails] = numberOption(`--${option}`, raw);
    }
  }
  if (values["no-drift-stop"] === true) guardrails.stop_on_drift_alert = false;
  return guardrails as Partial<Guardrails>;
}

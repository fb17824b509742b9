import { parseArgs } from "node:util";
import { ArtifactError, ConflictError, InvalidInputError } from "../errors.js";
import type { StorageLog } from "../storage/gcs-store.js";
import type { ArtifactStore } from "../storage/store.js";
import type { ModelMetadata } from "../model/metadata.js";
import { historyOf } from "../registry/alias-history.js";
import { promoteIfBetter } from "../registry/promotion.js";
import { defaultActor } from "../registry/actor.js";
import { Registry } from "../registry/registry.js";
import { schemaChanged } from "../registry/versioning.js";
import { openStore } from "../storage/open-store.js";
import { printAliasHistory } from "./alias-history-output.js";
import { EXIT } from "./exit-codes.js";
import { runRolloutCommand } from "./rollout-command.js";

export const REGISTRY_HELP = `Usage: lead-scoring registry <command> [options]

Commands:
  list                          versions, their primary metric, and where the aliases point
  show <version|alias>          a version's metadata, its lineage included
  publish <dir|gs://...>        publish a pipeline version folder as the next version
      --promote-if-better       then point the alias at it only if its primary metric is
                                better than the alias's current version: beyond noise (the
                                paired interval in its metadata.json comparison excludes 0),
                                or, without one, strictly better
      --major                   bump the major version (default: patch, minor on schema change)
      --run-id <id>             the training run (MLflow run id) for the lineage
                                (env MLFLOW_RUN_ID)
      --git-commit <sha>        the training code's commit for the lineage (env GIT_COMMIT)
  promote <version>             verify a version (sha256, golden check), then point the alias at it
  rollback                      undo the alias's latest change still in effect: twice goes two
                                promotions back (see history)
  history                       every change of the alias: when, who, from, to, why
  diff <a> <b>                  metrics and schema of two versions (or aliases)
  rollout <command>             shadow and canary rollouts of a candidate (registry rollout --help)

Options:
  --registry <dir|gs://...>     registry root (env REGISTRY_URI; default: models)
  --model <name>                model name (default: lead-scoring; publish: the folder's
                                metadata.json name, which --model then only checks)
  --alias <name>                alias for publish/promote/rollback/history (default: production)
  --actor <name>                who, in the alias history and lineage (default: $USER)
  --reason <text>               why, in the alias history (promote, rollback)
  -h, --help                    this help

Exit codes: 0 done (or promoted), 3 published but existing version kept, 4 the alias was
changed by someone else meanwhile (nothing changed), 1 error, 2 usage.`;

export class UsageError extends Error {}

/** The model every command but publish acts on when --model is not given. */
export const DEFAULT_MODEL = "lead-scoring";

type Print = (line: string) => void;

/** Retried Cloud Storage attempts, as plain "warning: ..." lines for the operator at a terminal. */
export const STDERR_WARNINGS: StorageLog = {
  warn: (_fields, message) => process.stderr.write(`warning: ${message}\n`),
};

/** Where the registry is and who changes it why: the options every registry command takes. */
export function registryOptions() {
  return {
    registry: { type: "string", default: process.env.REGISTRY_URI ?? "models" },
    // No default: publish takes the name from the version's metadata.json (the rest use
    // DEFAULT_MODEL when it is left out).
    model: { type: "string" },
    alias: { type: "string", default: "production" },
    actor: { type: "string", default: defaultActor() },
    reason: { type: "string", default: "" },
    help: { type: "boolean", short: "h", default: false },
  } as const;
}

/** Runs `lead-scoring registry ...`; returns the exit code. */
export async function runRegistryCommand(argv: string[], print: Print): Promise<number> {
  const rollout = withoutRolloutCommand(argv);
  if (rollout !== undefined) return runRolloutCommand(rollout, print);
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...registryOptions(),
      "promote-if-better": { type: "boolean", default: false },
      major: { type: "boolean", default: false },
      "run-id": { type: "string", default: process.env.MLFLOW_RUN_ID ?? "" },
      "git-commit": { type: "string", default: process.env.GIT_COMMIT ?? "" },
    },
  });
  const [command, ...args] = positionals;
  if (values.help || command === undefined) {
    print(REGISTRY_HELP);
    return values.help ? EXIT.ok : EXIT.usage;
  }
  const need = (count: number): string[] => {
    if (args.length !== count)
      throw new UsageError(`${command} takes ${count} argument(s); see --help`);
    return args;
  };
  const store = await openStore(values.registry, { log: STDERR_WARNINGS });
  if (command === "publish") {
    const [dir] = need(1);
    // A folder the pipeline exported, on disk or uploaded with `--out gs://…`.
    const source = await openStore(dir!, { log: STDERR_WARNINGS });
    const model = await publishedModelName(source, values.model);
    return publish(new Registry(store, model), source, values, print);
  }
  const registry = new Registry(store, values.model ?? DEFAULT_MODEL);
  switch (command) {
    case "list":
      need(0);
      return list(registry, print);
    case "show": {
      const [ref] = need(1);
      print(JSON.stringify(await resolve(registry, ref!), null, 2));
      return EXIT.ok;
    }
    case "promote": {
      const [version] = need(1);
      const record = await registry.promote(version!, values.alias, values);
      print(`${values.alias} → ${record.version} (was ${record.previous ?? "unset"})`);
      return EXIT.ok;
    }
    case "rollback": {
      need(0);
      const record = await registry.rollback(values.alias, values);
      print(`${values.alias} rolled back → ${record.version} (was ${record.previous ?? "unset"})`);
      return EXIT.ok;
    }
    case "history": {
      need(0);
      const state = await registry.alias(values.alias);
      if (state === undefined) {
        print(`alias ${values.alias} of ${registry.model} does not exist at ${registry.location}`);
        return EXIT.ok;
      }
      printAliasHistory(values.alias, state.record.version, historyOf(state.record), print);
      return EXIT.ok;
    }
    case "diff": {
      const [a, b] = need(2);
      diff(await resolve(registry, a!), await resolve(registry, b!), print);
      return EXIT.ok;
    }
    default:
      throw new UsageError(`unknown command "${command}"; see --help`);
  }
}

/**
 * The model a version folder says it is (metadata.json's name): publish files it there, so a
 * model of any name publishes without --model, which, when given, must agree.
 */
async function publishedModelName(source: ArtifactStore, expected?: string): Promise<string> {
  let name: unknown;
  try {
    name = (
      JSON.parse((await source.readFile("metadata.json")).toString("utf8")) as {
        name?: unknown;
      }
    ).name;
  } catch (error) {
    if (error instanceof SyntaxError) {
      throw new ArtifactError(`${source.location}/metadata.json is not JSON: ${error.message}`);
    }
    throw error;
  }
  if (typeof name !== "string" || name === "") {
    throw new ArtifactError(`${source.location}/metadata.json has no model name ("name")`);
  }
  if (expected !== undefined && expected !== name) {
    throw new InvalidInputError(
      `${source.location} holds model "${name}", not "${expected}" ` +
        `(--model only checks the name; leave it out to publish as "${name}")`,
    );
  }
  return name;
}

/**
 * `registry [options] rollout …` has options of its own: its arguments without the word
 * `rollout`, or undefined when the command is another one. Only the first positional counts, so
 * `--reason rollout` is still a reason.
 */
function withoutRolloutCommand(argv: string[]): string[] | undefined {
  const { tokens } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: false,
    tokens: true,
    // The options that take a value, so that a value is never mistaken for the command.
    options: Object.fromEntries(
      ["registry", "model", "alias", "actor", "reason"].map((name) => [name, { type: "string" }]),
    ),
  });
  const first = tokens.find((token) => token.kind === "positional");
  if (first?.kind !== "positional" || first.value !== "rollout") return undefined;
  return argv.filter((_, index) => index !== first.index);
}

interface PublishValues {
  readonly alias: string;
  readonly "promote-if-better": boolean;
  readonly major: boolean;
  readonly actor: string;
  readonly "run-id": string;
  readonly "git-commit": string;
}

async function publish(
  registry: Registry,
  source: ArtifactStore,
  values: PublishValues,
  print: Print,
): Promise<number> {
  const { alias, actor } = values;
  const published = await registry.publish(source, {
    major: values.major,
    actor,
    lineage: { trainingRunId: values["run-id"], gitCommit: values["git-commit"] },
  });
  print(
    `published ${registry.model} ${published.version} to ${registry.location}/${published.version}`,
  );
  if (!values["promote-if-better"]) return EXIT.ok;
  try {
    const outcome = await promoteIfBetter(registry, published.version, alias, actor);
    if (!outcome.promote) {
      print(`kept ${alias} at ${outcome.production ?? "unset"}: ${outcome.reason}`);
      return EXIT.keptExisting;
    }
    print(`promoted ${published.version} to ${alias}: ${outcome.reason}`);
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    const now = (await registry.alias(alias))?.record.version ?? "unset";
    print(
      `not promoted: ${alias} changed while deciding (it now names ${now}); ` +
        `${published.version} stays published, nothing else changed`,
    );
    return EXIT.conflict;
  }
}

async function list(registry: Registry, print: Print): Promise<number> {
  const versions = await registry.versions();
  const aliases = new Map<string, string[]>();
  for (const [name, state] of await registry.aliases()) {
    aliases.set(state.record.version, [...(aliases.get(state.record.version) ?? []), name]);
  }
  if (versions.length === 0) print(`no versions of ${registry.model} at ${registry.location}`);
  for (const version of versions) {
    const { primary_metric: metric, created_at } = await registry.metadata(version);
    const tags =
      aliases
        .get(version)
        ?.map((alias) => `@${alias}`)
        .join(" ") ?? "";
    print(
      `${version.padEnd(10)} ${metric.name}=${metric.value.toFixed(6)}  ${created_at}  ${tags}`.trimEnd(),
    );
  }
  return EXIT.ok;
}

/** A version number, or an alias name → that alias's version. */
async function resolve(registry: Registry, ref: string): Promise<ModelMetadata> {
  if (/^\d+\.\d+\.\d+$/.test(ref)) return registry.metadata(ref);
  const state = await registry.alias(ref);
  if (state === undefined)
    throw new UsageError(`"${ref}" is neither a version nor an alias of ${registry.model}`);
  return registry.metadata(state.record.version);
}

function diff(a: ModelMetadata, b: ModelMetadata, print: Print): void {
  print(`metric                 ${a.version.padStart(12)} ${b.version.padStart(12)}`);
  for (const key of new Set([...Object.keys(a.metrics), ...Object.keys(b.metrics)])) {
    const [x, y] = [a.metrics[key], b.metrics[key]];
    if (typeof x === "number" || typeof y === "number") {
      print(`${key.padEnd(22)} ${format(x).padStart(12)} ${format(y).padStart(12)}`);
    }
  }
  const fields = (m: ModelMetadata) => new Map(m.schema.fields.map((f) => [f.name, f.type]));
  const [fa, fb] = [fields(a), fields(b)];
  print(schemaChanged(a.schema, b.schema) ? "schema: changed" : "schema: same fields and types");
  for (const [name, type] of fb) if (!fa.has(name)) print(`  + ${name} (${type})`);
  for (const [name, type] of fa) {
    if (!fb.has(name)) print(`  - ${name} (${type})`);
    else if (fb.get(name) !== type) print(`  ~ ${name}: ${type} → ${fb.get(name)}`);
  }
}

function format(value: unknown): string {
  return typeof value === "number" ? value.toFixed(6) : "-";
}

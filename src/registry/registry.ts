import { createHash } from "node:crypto";
import semver from "semver";
import { ConflictError, InvalidInputError } from "../errors.js";
import type { ArtifactStore } from "../storage/store.js";
import { joinPath } from "../storage/store.js";
import { parseMetadata, type ModelMetadata } from "../model/metadata.js";
import { defaultActor } from "./actor.js";
import { ALIAS_PATTERN, parseAlias, type AliasChange, type AliasRecord } from "./alias.js";
import { historyOf, rollbackStep } from "./alias-history.js";
import { lineageOf, type LineageInput } from "./lineage.js";
import { verifyVersion } from "./verify.js";
import { completeVersions } from "./versions.js";
import { nextVersion } from "./versioning.js";

export interface AliasState {
  readonly record: AliasRecord;
  readonly generation: string;
}

export interface PublishOptions {
  /** Bump the major version. */
  readonly major?: boolean;
  /** The training run and code the version came from (metadata.json `lineage`). */
  readonly lineage?: LineageInput;
  readonly actor?: string;
}

/** Who moves an alias and why, as its history records it. */
export interface AliasChangeOptions {
  readonly actor?: string;
  readonly reason?: string;
}

export interface PromoteOptions extends AliasChangeOptions {
  /** The alias state a decision was made on (null: the alias did not exist). */
  readonly basedOn?: AliasState | null;
  /** How the promotion was decided, for the history (default `promote`). */
  readonly action?: "promote" | "promote-if-better";
}

/**
 * One model in a registry: immutable semver version directories plus aliases
 * (`<root>/<model>/<semver>/`, `<root>/<model>/aliases/<alias>.json`). The service and the CLI
 * both use this class, so there is one implementation of publishing and promotion.
 */
export class Registry {
  constructor(
    readonly store: ArtifactStore,
    readonly model: string,
  ) {}

  get location(): string {
    return `${this.store.location}/${this.model}`;
  }

  /** Complete versions (metadata.json written), lowest first. */
  versions(): Promise<string[]> {
    return completeVersions(this.store, this.model);
  }

  async metadata(version: string): Promise<ModelMetadata> {
    const path = this.file(version, "metadata.json");
    if (!(await this.store.exists(path))) {
      throw new InvalidInputError(
        `version ${version} of ${this.model} does not exist at ${this.location}`,
      );
    }
    return parseMetadata(await this.store.readFile(path), `${this.store.location}/${path}`);
  }

  /** Where one version's files are, relative to the store's root. */
  versionPath(version: string): string {
    return joinPath(this.model, version);
  }

  async alias(name: string): Promise<AliasState | undefined> {
    const path = this.aliasPath(name);
    const found = await this.store.readVersioned(path);
    if (found === undefined) return undefined;
    return {
      record: parseAlias(found.bytes, `${this.store.location}/${path}`),
      generation: found.generation,
    };
  }

  /** The alias file's generation only: what a poller checks every few seconds. */
  aliasGeneration(name: string): Promise<string | undefined> {
    return this.store.generation(this.aliasPath(name));
  }

  /**
   * Publishes a local version directory as the next version: verifies it completely (sha256 and
   * golden check, exactly as the service will), picks the version by the semver rules, writes
   * every file with a does-not-exist precondition and metadata.json last, so the version is
   * invisible until complete and can never be overwritten. The version is recorded where the
   * folder records it: metadata.json's `version` and golden.json's `model_version` (whose new
   * digest metadata.json then lists). metadata.json also gets the version's `lineage`.
   */
  async publish(source: ArtifactStore, options: PublishOptions = {}): Promise<ModelMetadata> {
    const metadata = await verifyVersion(source, "", `refusing to publish ${source.location}`);
    if (metadata.name !== this.model) {
      throw new InvalidInputError(
        `${source.location} holds model "${metadata.name}", not "${this.model}"`,
      );
    }
    const highestVersion = (await this.versions()).at(-1);
    const highest = highestVersion === undefined ? undefined : await this.metadata(highestVersion);
    // An interrupted publish leaves an incomplete, invisible directory: never reuse its number.
    const taken = new Set(await this.store.listDirectories(this.model));
    let version = nextVersion(highest, metadata.schema, options);
    while (taken.has(version)) version = semver.inc(version, "patch") ?? version;
    const files: Record<string, FileDigest> = {};
    for (const file of Object.keys(metadata.files)) {
      const original = await source.readFile(file);
      const bytes = file === "golden.json" ? restamp(original, "model_version", version) : original;
      files[file] = digestOf(bytes);
      await this.createOrConflict(version, file, bytes);
    }
    // metadata.json last, restamped with the registry's version: it completes the version.
    const raw = JSON.parse((await source.readFile("metadata.json")).toString("utf8")) as Record<
      string,
      unknown
    >;
    const lineage = lineageOf(source.location, raw, {
      ...options.lineage,
      actor: options.actor ?? defaultActor(),
    });
    const published: ModelMetadata = { ...metadata, version, files, lineage };
    await this.createOrConflict(
      version,
      "metadata.json",
      Buffer.from(`${JSON.stringify({ ...raw, version, files, lineage }, null, 2)}\n`),
    );
    return published;
  }

  /** Every alias of this model, by name (whatever their names). */
  async aliases(): Promise<Map<string, AliasState>> {
    const files = await this.store.listFiles(joinPath(this.model, "aliases"));
    const names = files
      .filter((file) => file.endsWith(".json"))
      .map((file) => file.slice(0, -".json".length))
      .filter((name) => ALIAS_PATTERN.test(name));
    const states = await Promise.all(names.map(async (name) => [name, await this.alias(name)]));
    return new Map(states.filter((entry): entry is [string, AliasState] => entry[1] !== undefined));
  }

  /**
   * Points `alias` at `version` with a compare-and-swap, once the version has passed the same
   * verification as publish (a version that fails it is refused, naming the file, and the alias
   * is untouched). `basedOn` is the alias state a decision was made on (null: the alias did not
   * exist); the write succeeds only if the alias is still exactly that, so a change made after
   * the decision is never silently overwritten. Without `basedOn`, the state read here is the
   * one that must still hold.
   */
  async promote(
    version: string,
    alias: string,
    options: PromoteOptions = {},
  ): Promise<AliasRecord> {
    checkAlias(alias);
    // Verified before the alias is read: the slow step stays out of the compare-and-swap window.
    await this.verify(version, alias);
    const current = options.basedOn === undefined ? await this.alias(alias) : options.basedOn;
    return this.writeAlias(alias, current ?? undefined, {
      action: options.action ?? "promote",
      to: version,
      by: options.actor ?? defaultActor(),
      reason: options.reason ?? "",
    });
  }

  /**
   * Undoes the latest change of `alias` still in effect (see rollbackStep): rolling back twice
   * goes two promotions back. The version returned to is verified as for promote.
   */
  async rollback(alias: string, options: AliasChangeOptions = {}): Promise<AliasRecord> {
    checkAlias(alias);
    const current = await this.alias(alias);
    if (current === undefined)
      throw new InvalidInputError(`alias ${alias} of ${this.model} does not exist`);
    const step = rollbackStep(historyOf(current.record));
    if (step === undefined) {
      throw new InvalidInputError(
        `alias ${alias} has no earlier version to roll back to (see registry history)`,
      );
    }
    await this.verify(step.version, alias);
    return this.writeAlias(alias, current, {
      action: "rollback",
      to: step.version,
      by: options.actor ?? defaultActor(),
      reason: options.reason ?? "",
      undoes: step.undoes,
    });
  }

  /** The version exists, is complete and loads as the service would load it. */
  private async verify(version: string, alias: string): Promise<void> {
    await this.metadata(version);
    await verifyVersion(
      this.store,
      this.versionPath(version),
      `refusing to point ${alias} at ${this.model} ${version}; ${alias} is unchanged`,
    );
  }

  private async writeAlias(
    alias: string,
    current: AliasState | undefined,
    change: Omit<AliasChange, "from" | "at">,
  ): Promise<AliasRecord> {
    const at = new Date().toISOString();
    const from = current?.record.version ?? null;
    const history = current === undefined ? [] : historyOf(current.record);
    const { action, to, by, reason, undoes } = change;
    const record: AliasRecord = {
      alias,
      version: to,
      set_at: at,
      set_by: by,
      previous: from,
      history: [
        ...history,
        { action, from, to, at, by, reason, ...(undoes === undefined ? {} : { undoes }) },
      ],
    };
    const bytes = Buffer.from(`${JSON.stringify(record, null, 2)}\n`);
    try {
      await this.store.replace(this.aliasPath(alias), bytes, current?.generation);
    } catch (error) {
      if (error instanceof ConflictError) {
        throw new ConflictError(
          `alias ${alias} was changed by someone else meanwhile; nothing was changed: ${error.message}`,
        );
      }
      throw error;
    }
    return record;
  }

  private async createOrConflict(version: string, file: string, bytes: Buffer): Promise<void> {
    try {
      await this.store.create(this.file(version, file), bytes);
    } catch (error) {
      if (error instanceof ConflictError) {
        throw new ConflictError(
          `version ${version} of ${this.model} already exists (published concurrently?); versions are immutable`,
        );
      }
      throw error;
    }
  }

  private file(version: string, file: string): string {
    return joinPath(this.model, version, file);
  }

  private aliasPath(alias: string): string {
    checkAlias(alias);
    return joinPath(this.model, "aliases", `${alias}.json`);
  }
}

type FileDigest = ModelMetadata["files"][string];

function digestOf(bytes: Buffer): FileDigest {
  return { sha256: createHash("sha256").update(bytes).digest("hex"), bytes: bytes.length };
}

/** A JSON file with one top-level key set to `value`, formatted as the pipeline writes it. */
function restamp(json: Buffer, key: string, value: string): Buffer {
  const parsed = JSON.parse(json.toString("utf8")) as Record<string, unknown>;
  return Buffer.from(`${JSON.stringify({ ...parsed, [key]: value })}\n`);
}

function checkAlias(alias: string): void {
  if (!ALIAS_PATTERN.test(alias)) {
    throw new InvalidInputError(`invalid alias "${alias}": expected ${ALIAS_PATTERN.source}`);
  }
}

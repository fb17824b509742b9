import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import type { FastifyBaseLogger } from "fastify";
import { ConfigError, describeError } from "../../errors.js";
import { PollTimer } from "../../poll-timer.js";
import { ApiKeys } from "./api-keys.js";
import { parseKeysFile } from "./keys-file.js";

/** What a reload did: counted in lead_scoring_api_keys_reloads_total{result}. */
export type ReloadResult = "success" | "failure";

export interface KeysWatcherOptions {
  readonly file: string;
  readonly log: FastifyBaseLogger;
  /** Called after each reload that found a changed file; `keys` is the count now accepted. */
  readonly onReload?: (result: ReloadResult, keys: number) => void;
}

/**
 * Keeps the accepted API keys in step with the keys file, so keys rotate without a restart.
 *
 * It polls the file's content digest rather than using fs.watch: Kubernetes updates a mounted
 * Secret by writing a new directory and swapping the `..data` symlink, and the file's own path
 * is a symlink to it. inotify watches the old inode, so fs.watch misses the swap (or fires on
 * the old file's deletion and then never again); mtimes of the swapped files are not reliable
 * either. Reading a few hundred bytes every few seconds and comparing digests cannot miss a
 * change. A new file that does not parse or check is refused (logged once, counted) and the
 * previous keys stay in force.
 */
export class KeysWatcher {
  readonly keys: ApiKeys;
  private readonly polling = new PollTimer(() => this.poll());
  private seen: string;

  /** Reads the file once; a missing or bad file at start-up throws a ConfigError. */
  constructor(private readonly options: KeysWatcherOptions) {
    let text: string;
    try {
      text = readFileSync(options.file, "utf8");
    } catch (error) {
      throw new ConfigError(
        `cannot read the API keys file API_KEYS_FILE=${options.file}: ${describeError(error)}`,
      );
    }
    this.keys = new ApiKeys(parseKeysFile(text, options.file));
    this.seen = digest(text);
  }

  /** Checks every `intervalMs`; the timer never keeps the process alive. */
  start(intervalMs: number): void {
    this.polling.start(intervalMs);
  }

  stop(): Promise<void> {
    return this.polling.stop();
  }

  /** Checks the file now (what each tick does); a check in progress is joined, not repeated. */
  check(): Promise<void> {
    return this.polling.check();
  }

  private async poll(): Promise<void> {
    const { file, log, onReload } = this.options;
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      this.refuse(`unreadable:${describeError(error)}`, error);
      return;
    }
    const now = digest(text);
    if (now === this.seen) return;
    this.seen = now;
    try {
      this.keys.replace(parseKeysFile(text, file));
    } catch (error) {
      this.refuse(now, error);
      return;
    }
    log.info({ file, keys: this.keys.size }, "API keys reloaded");
    onReload?.("success", this.keys.size);
  }

  /** Logs and counts a refused file once per distinct content (or read error), not every tick. */
  private refuse(state: string, error: unknown): void {
    if (state === this.seen && state.startsWith("unreadable:")) return;
    this.seen = state;
    this.options.log.error(
      { file: this.options.file, err: error, keys: this.keys.size },
      `API keys file refused, the previous keys stay in force: ${describeError(error)}`,
    );
    this.options.onReload?.("failure", this.keys.size);
  }
}

function digest(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

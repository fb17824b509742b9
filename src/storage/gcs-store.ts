import { once } from "node:events";
import { buffer } from "node:stream/consumers";
import { addAbortSignal, type Writable } from "node:stream";
import { finished } from "node:stream/promises";
import { Storage, type Bucket, type File } from "@google-cloud/storage";
import { pino } from "pino";
import { ConfigError } from "../errors.js";
import { loggerOptions } from "../logging.js";
import { describeGcsError, isRetryableGcsError, translateGcsFailure } from "./gcs-errors.js";
import { retryWithinBudget, seconds, type FailedAttempt, type RetryPolicy } from "./retry.js";
import { committingWritable } from "./committing-writable.js";
import { joinPath, type ArtifactStore, type ReadableArtifact, type Versioned } from "./store.js";

/**
 * How hard to try before declaring the store unavailable. We retry, not the client library, so
 * that each failed attempt is logged: retry n sleeps a random time between half and all of
 * min(maxRetryDelaySeconds, retryDelayMultiplier^(n-1)) seconds.
 */
export interface GcsRetryOptions {
  /** Retries after the first attempt; 0 disables retrying. */
  maxRetries: number;
  /**
   * Budget in seconds for all attempts and sleeps of one storage call (a read, a check, a list
   * page, a write): each attempt gets at most what is left, and no sleep outlasts it.
   */
  totalTimeoutSeconds: number;
  /** Cap on one back-off sleep in seconds (below 1 makes retries fast, e.g. in tests). */
  maxRetryDelaySeconds: number;
  /** Growth factor of the back-off sleeps. */
  retryDelayMultiplier: number;
}

/**
 * Retrying at boot is cheap next to failing the rollout, so be patient but bounded: the time
 * budget (MODEL_LOAD_TIMEOUT_SECONDS) is what governs. maxRetries only stops a store that fails
 * instantly from being hammered: 12 back-offs of up to 16 s outlast the default 120 s budget.
 */
export const DEFAULT_GCS_RETRY: Readonly<GcsRetryOptions> = {
  maxRetries: 12,
  totalTimeoutSeconds: 120,
  maxRetryDelaySeconds: 16,
  retryDelayMultiplier: 2,
};

/**
 * Where each retried attempt is reported as a warning. A pino or Fastify logger fits; without one
 * the warnings go to stderr as JSON lines, so retrying is never silent.
 */
export interface StorageLog {
  warn(fields: Record<string, unknown>, message: string): void;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** How to reach Cloud Storage; shared by the store and by anything else that needs a client. */
export interface GcsClientOptions {
  /**
   * The JSON API root, e.g. "http://127.0.0.1:4443" for an emulator. Default: the
   * STORAGE_EMULATOR_HOST environment variable if set, else Google with Application Default
   * Credentials. A custom endpoint is called without credentials.
   */
  apiEndpoint?: string;
  retry?: Partial<GcsRetryOptions>;
  /** Timeout of one attempt in milliseconds (less when less of the budget is left). */
  requestTimeoutMs?: number;
  /** Only needed to create buckets (tests); reads never need a project. */
  projectId?: string;
  /** Gets a warning for each failed attempt that will be retried. */
  log?: StorageLog;
}

export interface GcsStoreOptions extends GcsClientOptions {
  bucket: string;
  /** Object-name prefix of the store's root, without leading or trailing "/" ("" = bucket root). */
  prefix: string;
  /** Entries per list page; the server's default and maximum is 1000. */
  listPageSize?: number;
}

/** An artifact store under a gs://bucket/prefix, read with @google-cloud/storage. */
/**
 * An artifact store under a gs://bucket/prefix. Cloud Storage's generation preconditions give
 * the writes their guarantees server-side: `ifGenerationMatch: 0` creates only when absent, and
 * `ifGenerationMatch: <generation>` replaces only the object that was read. A failed precondition
 * (HTTP 412) surfaces as ConflictError. The preconditions also make retrying a write safe: a
 * retry can never overwrite a newer object. (If a create's answer is lost and the retry finds the
 * object already there, that retry reports a conflict with our own write.)
 */
export class GcsStore implements ArtifactStore {
  readonly location: string;
  private readonly bucket: Bucket;
  private readonly prefix: string;
  private readonly retry: GcsRetryOptions;
  private readonly policy: RetryPolicy;
  private readonly log: StorageLog;
  private readonly listPageSize: number | undefined;

  constructor(options: GcsStoreOptions) {
    this.prefix = joinPath(options.prefix);
    this.location = `gs://${joinPath(options.bucket, this.prefix)}`;
    this.retry = resolveRetry(options.retry);
    this.policy = {
      maxRetries: this.retry.maxRetries,
      budgetMs: this.retry.totalTimeoutSeconds * 1000,
      attemptTimeoutMs: requestTimeout(options),
      initialDelayMs: 1000,
      maxDelayMs: this.retry.maxRetryDelaySeconds * 1000,
      multiplier: this.retry.retryDelayMultiplier,
    };
    this.log = options.log ?? stderrLog();
    this.listPageSize = options.listPageSize;
    this.bucket = createStorageClient(options).bucket(options.bucket);
  }

  async readFile(path: string): Promise<Buffer> {
    return this.download(path, this.bucket.file(this.objectName(path)));
  }

  async exists(path: string): Promise<boolean> {
    const file = this.bucket.file(this.objectName(path));
    const [found] = await this.call("check", path, () => file.exists());
    return found;
  }

  /** An empty or absent "directory" lists as []: GCS cannot tell the two apart. */
  async listDirectories(path: string): Promise<string[]> {
    return (await this.listLevel(path)).directories;
  }

  async listFiles(path: string): Promise<string[]> {
    return (await this.listLevel(path)).files;
  }

  async create(path: string, bytes: Buffer): Promise<void> {
    await this.save(path, bytes, 0);
  }

  async readVersioned(path: string): Promise<Versioned | undefined> {
    const generation = await this.generation(path);
    if (generation === undefined) return undefined;
    // Download exactly the generation we looked at, so content and generation always match.
    const file = this.bucket.file(this.objectName(path), { generation: Number(generation) });
    return { bytes: await this.download(path, file), generation };
  }

  async generation(path: string): Promise<string | undefined> {
    const file = this.bucket.file(this.objectName(path));
    const [exists] = await this.call("check", path, () => file.exists());
    if (!exists) return undefined;
    const [metadata] = await this.call("inspect", path, () => file.getMetadata());
    return String(metadata.generation);
  }

  async replace(path: string, bytes: Buffer, expected: string | undefined): Promise<void> {
    await this.save(path, bytes, expected === undefined ? 0 : Number(expected));
  }

  /**
   * Streams the object the metadata describes (its generation), so a concurrent rewrite cannot
   * splice two versions. A stream cut midway is not retried: the reader's job fails and re-runs.
   */
  async openRead(path: string): Promise<ReadableArtifact> {
    const file = this.bucket.file(this.objectName(path));
    const [metadata] = await this.call("read", path, () => file.getMetadata());
    const pinned = this.bucket.file(this.objectName(path), {
      generation: Number(metadata.generation),
    });
    return { stream: pinned.createReadStream(), size: Number(metadata.size ?? 0) };
  }

  /**
   * One upload for the whole stream: the object exists only once it completes, so a killed
   * writer leaves nothing. `exclusive` is the create-if-absent precondition (ifGenerationMatch 0).
   * An upload is not retried midway (the bytes are gone); the writer's job fails and re-runs.
   */
  openWrite(path: string, { exclusive }: { readonly exclusive: boolean }): Writable {
    const upload = this.bucket.file(this.objectName(path)).createWriteStream({
      resumable: false,
      ...(exclusive ? { preconditionOpts: { ifGenerationMatch: 0 } } : {}),
    });
    const ended = finished(upload).catch((error: unknown) => {
      throw translateGcsFailure(
        { error, reason: "not-retryable", attempts: 1, elapsedMs: 0 },
        `cannot write ${this.uri(path)}`,
        this.retry,
      );
    });
    ended.catch(() => undefined); // surfaces at the next write or at commit
    return committingWritable({
      write: async (chunk) => {
        if (!upload.write(chunk)) await Promise.race([once(upload, "drain"), ended]);
      },
      commit: async () => {
        upload.end();
        await ended;
      },
      abandon: async () => {
        upload.destroy();
        await ended.catch(() => undefined);
      },
    });
  }

  private async save(path: string, bytes: Buffer, ifGenerationMatch: number): Promise<void> {
    const file = this.bucket.file(this.objectName(path));
    await this.call("write", path, () =>
      file.save(bytes, { resumable: false, preconditionOpts: { ifGenerationMatch } }),
    );
  }

  /** One level of `path`: sub-directories and files, each sorted. */
  private async listLevel(path: string): Promise<{ directories: string[]; files: string[] }> {
    const directory = this.objectName(path);
    const prefix = directory === "" ? "" : `${directory}/`;
    const directories = new Set<string>();
    const files: string[] = [];
    let pageToken: string | undefined;
    // Pages by hand: with autoPaginate the library keeps only the LAST page's response, and the
    // sub-directories ("prefixes") are only in the responses, not in the returned File list.
    do {
      const query = {
        prefix,
        delimiter: "/",
        autoPaginate: false,
        ...(this.listPageSize === undefined ? {} : { maxResults: this.listPageSize }),
        ...(pageToken === undefined ? {} : { pageToken }),
      };
      const [objects, , response] = await this.call("list", path, () =>
        this.bucket.getFiles(query),
      );
      const page = parseListPage(response);
      for (const child of page.prefixes) {
        directories.add(child.slice(prefix.length).replace(/\/$/, ""));
      }
      for (const object of objects) {
        const name = object.name.slice(prefix.length);
        if (name !== "") files.push(name);
      }
      pageToken = page.nextPageToken;
    } while (pageToken !== undefined);
    return { directories: [...directories].sort(), files: files.sort() };
  }

  /**
   * Runs one library call, retrying it within the budget and warning about every attempt that
   * will be retried; a call that never succeeds ends as one of our errors. The client's own
   * retrying is off (see createStorageClient), so an attempt here is one HTTP request.
   */
  private async call<T>(
    verb: string,
    path: string,
    operation: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const uri = this.uri(path);
    const outcome = await retryWithinBudget(operation, this.policy, {
      isRetryable: isRetryableGcsError,
      onRetry: (failed) => this.warnRetry(verb, uri, failed),
    });
    if (outcome.ok) return outcome.value;
    throw translateGcsFailure(outcome, `cannot ${verb} ${uri}`, this.retry);
  }

  /** Reads a whole object; an abandoned attempt's download is torn down, not left streaming. */
  private download(path: string, file: File): Promise<Buffer> {
    // file.download() would do the same minus the abort: the client's request timeout does not
    // cover a response body that stalls after the headers, so such a download would never end.
    return this.call("read", path, (signal) =>
      buffer(addAbortSignal(signal, file.createReadStream())),
    );
  }

  private warnRetry(verb: string, uri: string, failed: FailedAttempt): void {
    const error = describeGcsError(failed.error);
    const budget = this.retry.totalTimeoutSeconds;
    this.log.warn(
      {
        operation: verb,
        uri,
        attempt: failed.attempt,
        error,
        nextDelaySeconds: roundMs(failed.delayMs),
        remainingBudgetSeconds: roundMs(failed.remainingMs),
        budgetSeconds: budget,
      },
      `cannot ${verb} ${uri}: attempt ${failed.attempt} failed (${error}); retrying in ` +
        `${seconds(failed.delayMs)}s, ${seconds(failed.remainingMs)}s of ${budget}s budget left`,
    );
  }

  private objectName(path: string): string {
    return joinPath(this.prefix, path);
  }

  private uri(path: string): string {
    return `gs://${joinPath(this.bucket.name, this.objectName(path))}`;
  }
}

/**
 * A Storage client with our endpoint rules that never retries by itself: GcsArtifactStore.call
 * retries, so that each attempt can be logged and the budget holds. The client's retry-request
 * 7.0.2 logs nothing, and when its totalTimeout runs out before maxRetries it stops without ever
 * settling the call, so it could only be used under an outer deadline.
 */
export function createStorageClient(
  options: Pick<GcsClientOptions, "apiEndpoint" | "projectId" | "requestTimeoutMs"> = {},
): Storage {
  const apiEndpoint = options.apiEndpoint ?? emulatorEndpoint();
  const storage = new Storage({
    ...(apiEndpoint === undefined ? {} : { apiEndpoint }),
    ...(options.projectId === undefined ? {} : { projectId: options.projectId }),
    timeout: requestTimeout(options),
    // Also read by File#save, which otherwise retries through async-retry on its own.
    retryOptions: { autoRetry: false },
  });
  if (apiEndpoint !== undefined) {
    // Storage 7.x takes its JSON API base URL verbatim from STORAGE_EMULATOR_HOST whenever that
    // variable is set, even over an explicit apiEndpoint, and without the "/storage/v1" path the
    // emulator (and any real endpoint) needs. Pin it to the endpoint we chose.
    storage.baseUrl = `${storage.apiEndpoint}/storage/v1`;
  }
  return storage;
}

function resolveRetry(overrides: Partial<GcsRetryOptions> = {}): GcsRetryOptions {
  const retry = { ...DEFAULT_GCS_RETRY, ...overrides };
  const valid =
    Number.isInteger(retry.maxRetries) &&
    retry.maxRetries >= 0 &&
    retry.totalTimeoutSeconds > 0 &&
    retry.maxRetryDelaySeconds > 0 &&
    retry.retryDelayMultiplier > 0;
  if (!valid) {
    throw new ConfigError(`invalid Cloud Storage retry options: ${JSON.stringify(retry)}`);
  }
  return retry;
}

function requestTimeout(options: Pick<GcsClientOptions, "requestTimeoutMs">): number {
  const timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  if (!(timeoutMs > 0)) {
    throw new ConfigError(`invalid Cloud Storage request timeout: ${timeoutMs} ms`);
  }
  return timeoutMs;
}

/** The default StorageLog: structured JSON lines on stderr, as the service would log them. */
let defaultLog: StorageLog | undefined;
function stderrLog(): StorageLog {
  defaultLog ??= pino(loggerOptions("warn"), pino.destination({ dest: 2, sync: true }));
  return defaultLog;
}

/** Seconds, to the millisecond, for structured log fields. */
function roundMs(ms: number): number {
  return Math.round(ms) / 1000;
}

/** STORAGE_EMULATOR_HOST as an endpoint: "host:port" means plain HTTP, "/storage/v1" optional. */
function emulatorEndpoint(): string | undefined {
  const host = process.env.STORAGE_EMULATOR_HOST;
  if (host === undefined || host === "") {
    return undefined;
  }
  const withScheme = /^https?:\/\//.test(host) ? host : `http://${host}`;
  return withScheme.replace(/\/+$/, "").replace(/\/storage\/v1$/, "");
}

function parseListPage(response: unknown): { prefixes: string[]; nextPageToken?: string } {
  const page = typeof response === "object" && response !== null ? response : {};
  const prefixes = "prefixes" in page && Array.isArray(page.prefixes) ? page.prefixes : [];
  const token = "nextPageToken" in page ? page.nextPageToken : undefined;
  return {
    prefixes: prefixes.filter((prefix): prefix is string => typeof prefix === "string"),
    ...(typeof token === "string" && token !== "" ? { nextPageToken: token } : {}),
  };
}

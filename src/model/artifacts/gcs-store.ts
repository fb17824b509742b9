import { ApiError, RETRYABLE_ERR_FN_DEFAULT, Storage, type Bucket } from "@google-cloud/storage";
import {
  ArtifactError,
  ConfigError,
  ConflictError,
  describeError,
  StorageUnavailableError,
  type ServiceError,
} from "../../errors.js";
import { joinPath, type ArtifactStore } from "./store.js";

/**
 * How hard to try before declaring the store unavailable, mapped onto the client library's own
 * `retryOptions` (retry-request under the hood). The library sleeps `multiplier^n` seconds plus up
 * to 1 s of random jitter before retry n, capped by `maxRetryDelaySeconds`; there is no separate
 * initial delay.
 */
export interface GcsRetryOptions {
  /** Retries after the first attempt; 0 disables retrying. */
  maxRetries: number;
  /** Budget in seconds for all attempts and sleeps of one library call. */
  totalTimeoutSeconds: number;
  /** Cap on one back-off sleep in seconds (below 1 makes retries fast, e.g. in tests). */
  maxRetryDelaySeconds: number;
  /** Growth factor of the back-off sleeps. */
  retryDelayMultiplier: number;
}

/** Retrying at boot is cheap next to failing the rollout, so be patient but bounded. */
export const DEFAULT_GCS_RETRY: Readonly<GcsRetryOptions> = {
  maxRetries: 5,
  totalTimeoutSeconds: 120,
  maxRetryDelaySeconds: 16,
  retryDelayMultiplier: 2,
};

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
  /** Timeout of one HTTP attempt in milliseconds. */
  requestTimeoutMs?: number;
  /** Only needed to create buckets (tests); reads never need a project. */
  projectId?: string;
}

export interface GcsArtifactStoreOptions extends GcsClientOptions {
  bucket: string;
  /** Object-name prefix of the store's root, without leading or trailing "/" ("" = bucket root). */
  prefix: string;
  /** Entries per list page; the server's default and maximum is 1000. */
  listPageSize?: number;
}

/** An artifact store under a gs://bucket/prefix, read with @google-cloud/storage. */
export class GcsArtifactStore implements ArtifactStore {
  readonly location: string;
  protected readonly bucket: Bucket;
  private readonly prefix: string;
  private readonly retry: GcsRetryOptions;
  private readonly deadlineMs: number;
  private readonly listPageSize: number | undefined;

  constructor(options: GcsArtifactStoreOptions) {
    this.prefix = joinPath(options.prefix);
    this.location = `gs://${joinPath(options.bucket, this.prefix)}`;
    this.retry = resolveRetry(options.retry);
    const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    // The last attempt may start right at totalTimeout and then run for a whole request timeout.
    this.deadlineMs = this.retry.totalTimeoutSeconds * 1000 + requestTimeoutMs;
    this.listPageSize = options.listPageSize;
    this.bucket = createStorageClient(options).bucket(options.bucket);
  }

  async readFile(path: string): Promise<Buffer> {
    const file = this.bucket.file(this.objectName(path));
    const [content] = await this.call("read", path, () => file.download());
    return content;
  }

  async exists(path: string): Promise<boolean> {
    const file = this.bucket.file(this.objectName(path));
    const [found] = await this.call("check", path, () => file.exists());
    return found;
  }

  /** An empty or absent "directory" lists as []: GCS cannot tell the two apart. */
  async listDirectories(path: string): Promise<string[]> {
    const directory = this.objectName(path);
    const prefix = directory === "" ? "" : `${directory}/`;
    const names = new Set<string>();
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
      const [, , response] = await this.call("list", path, () => this.bucket.getFiles(query));
      const page = parseListPage(response);
      for (const child of page.prefixes) {
        names.add(child.slice(prefix.length).replace(/\/$/, ""));
      }
      pageToken = page.nextPageToken;
    } while (pageToken !== undefined);
    return [...names].sort();
  }

  /**
   * Runs one library call under a deadline and translates its failure. The deadline is the one
   * piece of retrying the library cannot do: retry-request 7.0.2 (getNextRetryDelay <= 0 branch of
   * retryAfterDelay) silently stops when totalTimeout runs out before maxRetries does and never
   * settles the call, so without it a flaky store would hang the boot forever.
   */
  protected async call<T>(verb: string, path: string, operation: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DeadlineExceeded()), this.deadlineMs);
    });
    try {
      return await Promise.race([operation(), deadline]);
    } catch (error) {
      throw this.translate(error, verb, path);
    } finally {
      clearTimeout(timer);
    }
  }

  private translate(error: unknown, verb: string, path: string): ServiceError {
    const what = `cannot ${verb} ${this.uri(path)}`;
    const retry = this.retry;
    const budget = `maxRetries=${retry.maxRetries}, totalTimeout=${retry.totalTimeoutSeconds}s`;
    if (error instanceof DeadlineExceeded) {
      const seconds = this.deadlineMs / 1000;
      return new StorageUnavailableError(`${what}: no success within ${seconds}s (${budget})`);
    }
    const status = error instanceof ApiError ? error.code : undefined;
    if (status === 404) {
      return new ArtifactError(`${what}: not found`, { cause: error });
    }
    if (status === 412) {
      // A generation precondition failed: someone else created or changed the object first.
      return new ConflictError(`${what}: it was created or changed concurrently`, { cause: error });
    }
    if (errorCode(error) === "CONTENT_DOWNLOAD_MISMATCH") {
      return new ArtifactError(`${what}: the downloaded bytes fail the stored checksum`, {
        cause: error,
      });
    }
    const message = describeError(error).trim();
    const cause = status === undefined ? message : `HTTP ${status}: ${message}`;
    // The library retries every failure without an HTTP response (refused, reset, timed out,
    // DNS) and the HTTP errors its default predicate accepts (408, 429, 5xx); nothing else.
    const retried =
      retry.maxRetries > 0 &&
      (status === undefined || (error instanceof ApiError && RETRYABLE_ERR_FN_DEFAULT(error)));
    const how = retried
      ? `gave up after up to ${retry.maxRetries + 1} attempts (${budget})`
      : "failed without retrying";
    return new StorageUnavailableError(`${what}: ${how}: ${cause}`, { cause: error });
  }

  protected objectName(path: string): string {
    return joinPath(this.prefix, path);
  }

  private uri(path: string): string {
    return `gs://${joinPath(this.bucket.name, this.objectName(path))}`;
  }
}

/** A Storage client with our retry policy and endpoint rules. */
export function createStorageClient(options: GcsClientOptions = {}): Storage {
  const retry = resolveRetry(options.retry);
  const apiEndpoint = options.apiEndpoint ?? emulatorEndpoint();
  const storage = new Storage({
    ...(apiEndpoint === undefined ? {} : { apiEndpoint }),
    ...(options.projectId === undefined ? {} : { projectId: options.projectId }),
    timeout: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    retryOptions: {
      // The library reads maxRetries: 0 as "use the default (3)", so switch retrying off instead.
      autoRetry: retry.maxRetries > 0,
      maxRetries: retry.maxRetries,
      totalTimeout: retry.totalTimeoutSeconds,
      maxRetryDelay: retry.maxRetryDelaySeconds,
      retryDelayMultiplier: retry.retryDelayMultiplier,
      // retryableErrorFn stays the library default: connection errors never reach it (see
      // translate), so adding ECONNREFUSED & co. there would change nothing.
    },
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
  // The library silently replaces 0 (any falsy value) with its own defaults; refuse instead.
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

function errorCode(error: unknown): unknown {
  return typeof error === "object" && error !== null && "code" in error ? error.code : undefined;
}

/** Internal marker: the deadline in GcsArtifactStore.call fired first. */
class DeadlineExceeded extends Error {}

import { ApiError, RETRYABLE_ERR_FN_DEFAULT } from "@google-cloud/storage";
import {
  ArtifactError,
  ConflictError,
  describeError,
  StorageUnavailableError,
  type ServiceError,
} from "../errors.js";
import { AttemptTimedOut, seconds, type GiveUpReason } from "./retry.js";

/**
 * What the client library itself used to retry, now that we retry instead: every failure without
 * an HTTP response (refused, reset, DNS, timed out) and the HTTP answers its default predicate
 * accepts (408, 429, 500, 502, 503, 504). Never 404, 412 (a lost generation race) or another 4xx,
 * and never a checksum mismatch.
 */
export function isRetryableGcsError(error: unknown): boolean {
  if (error instanceof AttemptTimedOut) return true;
  if (error instanceof ApiError) return RETRYABLE_ERR_FN_DEFAULT(error);
  if (!(error instanceof Error)) return false;
  // node-fetch, under the client, reports every exchange that got no usable response as a
  // FetchError: refused, reset, DNS, its own timeouts, a body cut off midway.
  if (error.name === "FetchError") return true;
  return "syscall" in error || errorCode(error) === "ERR_STREAM_PREMATURE_CLOSE";
}

/** The end of a call that never succeeded, as retryWithinBudget reports it. */
export interface GcsFailure {
  readonly error: unknown;
  readonly reason: GiveUpReason;
  readonly attempts: number;
  readonly elapsedMs: number;
}

/** The limits a failure is measured against, for its message. */
export interface GcsRetryLimits {
  readonly maxRetries: number;
  readonly totalTimeoutSeconds: number;
}

/**
 * A failed call as one of our errors: 404 and checksum mismatch → ArtifactError, 412 →
 * ConflictError, anything else → StorageUnavailableError saying how many attempts were made
 * within what budget. `what` names the call, e.g. "cannot read gs://b/p/x".
 */
export function translateGcsFailure(
  failure: GcsFailure,
  what: string,
  limits: GcsRetryLimits,
): ServiceError {
  const { error } = failure;
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
  return new StorageUnavailableError(
    `${what}: ${howItEnded(failure, limits)}: ${describeGcsError(error)}`,
    { cause: error },
  );
}

/**
 * One line for a failed attempt: "HTTP 503: backend unavailable", "connect ECONNREFUSED
 * 127.0.0.1:4443", "no answer within 30s". The request URL the client puts in front is dropped;
 * callers name the gs:// URI instead.
 */
export function describeGcsError(error: unknown): string {
  if (error instanceof ApiError) {
    const text = apiErrorMessage(error.message);
    return error.code === undefined ? text : `HTTP ${error.code}: ${text}`;
  }
  const message = describeError(error).trim();
  return message.replace(/^request to \S+ failed, reason: /, "");
}

function howItEnded(failure: GcsFailure, limits: GcsRetryLimits): string {
  if (failure.reason === "not-retryable" && failure.attempts === 1) {
    return "failed without retrying";
  }
  const budget = `${limits.totalTimeoutSeconds}s budget`;
  const maxRetries = `maxRetries=${limits.maxRetries}`;
  const why = {
    "not-retryable": `the last error is not retryable; ${maxRetries}, ${budget}`,
    "max-retries": `${maxRetries} used up within the ${budget}`,
    budget: `the ${budget} left no time for another retry; ${maxRetries}`,
  }[failure.reason];
  const plural = failure.attempts === 1 ? "" : "s";
  return `gave up after ${failure.attempts} attempt${plural} in ${seconds(failure.elapsedMs)}s (${why})`;
}

/** A download's ApiError carries the raw JSON body as its message; keep only the text in it. */
function apiErrorMessage(message: string): string {
  try {
    const body: unknown = JSON.parse(message);
    const inner = isRecord(body) && isRecord(body.error) ? body.error.message : undefined;
    if (typeof inner === "string") return inner;
  } catch {
    // Not JSON: already the text.
  }
  return message.replace(/\s+/g, " ").trim();
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function errorCode(error: unknown): unknown {
  return typeof error === "object" && error !== null && "code" in error ? error.code : undefined;
}

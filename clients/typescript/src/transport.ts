import { LeadScoringError, type ErrorCode, type LeadScoringErrorDetails } from "./errors.js";
import {
  RETRYABLE_STATUSES,
  backoffMs,
  parseRetryAfter,
  sleep,
  type RetryPolicy,
} from "./retry.js";

export interface TransportOptions {
  readonly baseUrl: string;
  readonly apiKey: string | undefined;
  /** Each attempt's limit, from sending the request to the end of the response body. */
  readonly timeoutMs: number;
  readonly retry: RetryPolicy;
  readonly headers: Readonly<Record<string, string>>;
  readonly fetch: typeof fetch;
}

export interface Call {
  readonly method: "GET" | "POST";
  /** The path with its parameters filled in. */
  readonly path: string;
  readonly body?: unknown;
  /**
   * Whether repeating the call after a timeout or a dropped connection is safe. Scoring and
   * explaining are (the same instances get the same answer); recording outcomes is not (the
   * first attempt may have been recorded). 429 and 503 are retried either way.
   */
  readonly idempotent: boolean;
  readonly retries?: number | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly requestId?: string | undefined;
}

type Outcome = { ok: true; body: unknown } | { ok: false; retryable: boolean; failure: Failure };
interface Failure {
  readonly message: string;
  readonly details: LeadScoringErrorDetails;
}

/**
 * Sends one call with retries: on 429 and 503 always, on timeouts and network errors only when
 * the call is idempotent. It waits `Retry-After` when the service gives one, else an exponential
 * backoff with jitter; attempts and waits together stay within the policy's total time. Every
 * attempt carries the same `X-Request-Id`, so the service's logs tie them together.
 */
export async function send(options: TransportOptions, call: Call): Promise<unknown> {
  const policy = options.retry;
  const retries = call.retries ?? policy.retries;
  const requestId = call.requestId ?? globalThis.crypto.randomUUID();
  const deadline = Date.now() + policy.totalTimeMs;
  for (let attempt = 1; ; attempt++) {
    const timeoutMs = Math.max(1, Math.min(options.timeoutMs, deadline - Date.now()));
    const outcome = await attemptOnce(options, call, requestId, timeoutMs);
    if (outcome.ok) return outcome.body;
    const { failure } = outcome;
    const wait = waitBeforeRetry(failure, attempt - 1, policy);
    const giveUp =
      !outcome.retryable ||
      attempt > retries ||
      Date.now() + wait >= deadline ||
      call.signal?.aborted;
    if (giveUp)
      throw new LeadScoringError(failure.message, { ...failure.details, attempts: attempt });
    await sleep(wait, call.signal);
  }
}

function waitBeforeRetry(failure: Failure, retry: number, policy: RetryPolicy): number {
  const { retryAfter } = failure.details;
  return retryAfter === undefined ? backoffMs(retry, policy) : retryAfter * 1000;
}

async function attemptOnce(
  options: TransportOptions,
  call: Call,
  requestId: string,
  timeoutMs: number,
): Promise<Outcome> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = call.signal === undefined ? timeout : AbortSignal.any([timeout, call.signal]);
  let response: Response;
  let text: string;
  try {
    response = await options.fetch(urlOf(options.baseUrl, call.path), {
      method: call.method,
      headers: headersFor(options, call, requestId),
      body: call.body === undefined ? null : JSON.stringify(call.body),
      signal,
    });
    text = await response.text();
  } catch (error) {
    // The caller's own abort ends the call as the caller's reason, never as a retry.
    if (call.signal?.aborted) throw call.signal.reason;
    const timedOut = timeout.aborted;
    return {
      ok: false,
      retryable: call.idempotent,
      failure: {
        message: timedOut
          ? `${call.method} ${call.path}: no complete answer within ${timeoutMs} ms`
          : `${call.method} ${call.path}: ${describe(error)}`,
        details: { code: timedOut ? "TIMEOUT" : "NETWORK_ERROR", requestId, cause: error },
      },
    };
  }
  const answeredId = response.headers.get("x-request-id") ?? requestId;
  if (response.ok) return { ok: true, body: parseJson(text, answeredId) };
  return {
    ok: false,
    retryable: RETRYABLE_STATUSES.has(response.status),
    failure: errorResponse(response, text, answeredId),
  };
}

/** fetch's "fetch failed" with what failed underneath (`connect ECONNREFUSED …`). */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause instanceof Error ? `${error.message} (${error.cause.message})` : error.message;
}

/** The path under the base URL's own path: `http://host/scoring` + `/predict` → `/scoring/predict`. */
function urlOf(baseUrl: string, path: string): URL {
  const base = baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`;
  return new URL(path.replace(/^\/+/, ""), base);
}

function headersFor(
  options: TransportOptions,
  call: Call,
  requestId: string,
): Record<string, string> {
  return {
    accept: "application/json",
    ...options.headers,
    ...(call.body === undefined ? {} : { "content-type": "application/json" }),
    ...(options.apiKey === undefined ? {} : { authorization: `Bearer ${options.apiKey}` }),
    "x-request-id": requestId,
  };
}

function parseJson(text: string, requestId: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new LeadScoringError("the service answered with a body that is not JSON", {
      code: "UNEXPECTED_RESPONSE",
      requestId,
      cause: error,
    });
  }
}

/** The service's `{error, code}`; a proxy's HTML page or an empty body is UNEXPECTED_RESPONSE. */
function errorResponse(response: Response, text: string, requestId: string): Failure {
  const retryAfter = parseRetryAfter(response.headers.get("retry-after"));
  const details = { status: response.status, requestId, retryAfter };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (isErrorBody(body)) return { message: body.error, details: { ...details, code: body.code } };
  return {
    message: `HTTP ${response.status} without the service's error body: ${text.slice(0, 200)}`,
    details: { ...details, code: "UNEXPECTED_RESPONSE" },
  };
}

/**
 * The `{error, code}` shape. A newer service may send a code this build does not list (new codes
 * are an additive change), so callers keep a default branch when they switch on `code`.
 */
function isErrorBody(body: unknown): body is { error: string; code: ErrorCode } {
  if (typeof body !== "object" || body === null) return false;
  const { error, code } = body as Record<string, unknown>;
  return typeof error === "string" && typeof code === "string";
}

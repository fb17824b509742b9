import type { ErrorBody } from "./types.js";

/**
 * Failures the client itself names, when there is no error body from the service: the attempt
 * timed out, the connection failed, or the service (or a proxy in front of it) answered with a
 * status or body that is not the service's `{error, code}`.
 */
export type ClientErrorCode = "TIMEOUT" | "NETWORK_ERROR" | "UNEXPECTED_RESPONSE";

/**
 * The service's stable code (`INVALID_INPUT`, `RATE_LIMITED`, …: the catalog's enum in the
 * document, docs/errors.md) or the client's own.
 */
export type ErrorCode = ErrorBody["code"] | ClientErrorCode;

export interface LeadScoringErrorDetails {
  readonly code: ErrorCode;
  /** The HTTP status, when the service answered. */
  readonly status?: number | undefined;
  /** The service's `X-Request-Id` (or the one the client sent): quote it when reporting. */
  readonly requestId?: string | undefined;
  /** Seconds the service asked to wait (`Retry-After`), when it said. */
  readonly retryAfter?: number | undefined;
  /** Attempts made, retries included. */
  readonly attempts?: number | undefined;
  readonly cause?: unknown;
}

/** Every failure of a client call: switch on `code`, log `requestId`. */
export class LeadScoringError extends Error {
  override readonly name = "LeadScoringError";
  readonly code: ErrorCode;
  readonly status: number | undefined;
  readonly requestId: string | undefined;
  readonly retryAfter: number | undefined;
  readonly attempts: number;

  constructor(message: string, details: LeadScoringErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = details.code;
    this.status = details.status;
    this.requestId = details.requestId;
    this.retryAfter = details.retryAfter;
    this.attempts = details.attempts ?? 1;
  }
}

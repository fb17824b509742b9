/**
 * Every code an error response can carry: the single source for the error handler (which may
 * send no other), the OpenAPI `ErrorResponse` schema (its `code` enum) and docs/errors.md (a test
 * keeps it equal to scripts/errors-doc.ts's rendering). Codes are stable: a client may switch on them. A new
 * code may be added (clients treat an unknown code by its status); none is renamed or removed
 * without a new API version (README, "API versioning policy").
 */
export const ERROR_CODES = [
  "INVALID_INPUT",
  "BAD_JSON",
  "BAD_REQUEST",
  "BAD_URL",
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "MODEL_NOT_FOUND",
  "NOT_CONFIGURED",
  "ROUTE_NOT_FOUND",
  "METHOD_NOT_ALLOWED",
  "BODY_TOO_LARGE",
  "URL_TOO_LONG",
  "UNSUPPORTED_MEDIA_TYPE",
  "RATE_LIMITED",
  "INTERNAL",
  "NOT_READY",
  "OVERLOADED",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorCatalogEntry {
  readonly status: number;
  /** What happened, for a person reading the table. */
  readonly meaning: string;
  /** What the client should do about it. */
  readonly fix: string;
}

export const ERROR_CATALOG: Readonly<Record<ErrorCode, ErrorCatalogEntry>> = {
  INVALID_INPUT: {
    status: 400,
    meaning:
      "The body is JSON but not a valid request: it breaks the request schema (a wrong type, a " +
      "missing or unknown property, a string over MAX_STRING_LENGTH, more than MAX_BATCH_SIZE " +
      "instances) or does not fit the model (a field's value, a V2 shape that does not match its " +
      "data, a threshold or explain parameter that cannot apply). The message names the " +
      "instance and field, and lists a categorical field's known values when there are at most 20.",
    fix: "Correct the named field; do not retry the same body.",
  },
  BAD_JSON: {
    status: 400,
    meaning: "The body is sent as `application/json` but is empty or not valid JSON.",
    fix: "Send one well-formed JSON document.",
  },
  BAD_REQUEST: {
    status: 400,
    meaning:
      "The HTTP request itself is malformed (a body shorter or longer than its Content-Length), " +
      "or the HTTP layer refused it for a reason no other code names.",
    fix: "Fix the HTTP client or proxy that builds the request.",
  },
  BAD_URL: {
    status: 400,
    meaning: "The path has a malformed `%`-escape.",
    fix: "Percent-encode path segments (model names, versions) correctly.",
  },
  UNAUTHENTICATED: {
    status: 401,
    meaning:
      "API keys are on and the request has no key, or one the service does not know. The " +
      "answer has a `WWW-Authenticate` header.",
    fix: "Send a valid key as `Authorization: Bearer <key>` or `x-api-key: <key>`.",
  },
  FORBIDDEN: {
    status: 403,
    meaning:
      "The key is valid but lacks the scope the route needs (predict, explain, feedback, admin).",
    fix: "Use a key with that scope, or ask the operator to grant it.",
  },
  MODEL_NOT_FOUND: {
    status: 404,
    meaning: "The path names another model or version than the one served.",
    fix: "Use the name and version `GET /v1/models` or `GET /v2/models/{name}` reports.",
  },
  NOT_CONFIGURED: {
    status: 404,
    meaning:
      "The feature is switched off in this deployment (e.g. /feedback with PREDICTION_LOG=off).",
    fix: "Ask the operator to enable it; retrying will not help.",
  },
  ROUTE_NOT_FOUND: {
    status: 404,
    meaning: "No route has this path.",
    fix: "Check the path against the OpenAPI document (`/openapi.json`).",
  },
  METHOD_NOT_ALLOWED: {
    status: 405,
    meaning:
      "The path exists but not with this method. The `Allow` header lists the methods it takes.",
    fix: "Use one of the methods in `Allow`.",
  },
  BODY_TOO_LARGE: {
    status: 413,
    meaning:
      "The body is over BODY_LIMIT_BYTES. The answer comes once the body has been read and " +
      "discarded, and the connection then closes.",
    fix: "Split the batch into smaller requests.",
  },
  URL_TOO_LONG: {
    status: 414,
    meaning: "A path parameter (model name, version) is over 100 characters.",
    fix: "Use the served model's real name and version.",
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    meaning: "The body's Content-Type is not `application/json`.",
    fix: "Send `Content-Type: application/json`.",
  },
  RATE_LIMITED: {
    status: 429,
    meaning:
      "The key is over its quota. `Retry-After` and the `RateLimit-*` headers say when the " +
      "quota resets.",
    fix: "Wait `Retry-After` seconds, then retry; spread requests or ask for a larger quota.",
  },
  INTERNAL: {
    status: 500,
    meaning:
      "A bug. The body says only `internal error`; the service log has the request id " +
      "(`X-Request-Id`) and the stack.",
    fix: "Report it with the `X-Request-Id` of the answer. A retry may or may not succeed.",
  },
  NOT_READY: {
    status: 503,
    meaning:
      "No model is loaded yet. (Draining before shutdown is not an error: requests that arrive " +
      "are still answered, with `Connection: close`, and only readiness fails.)",
    fix: "Retry after `Retry-After` seconds (always sent with a 503).",
  },
  OVERLOADED: {
    status: 503,
    meaning: "Load shedding: the event loop lags more than MAX_EVENT_LOOP_DELAY_MS.",
    fix: "Retry after `Retry-After` seconds, with backoff.",
  },
};

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === "string" && Object.hasOwn(ERROR_CATALOG, code);
}

/** Status → code, for the statuses that exactly one code has (401, 405, 429...). */
const SOLE_CODE_OF_STATUS: ReadonlyMap<number, ErrorCode> = (() => {
  const statuses = ERROR_CODES.map((code) => ERROR_CATALOG[code].status);
  const sole = (status: number) => statuses.filter((s) => s === status).length === 1;
  return new Map(
    ERROR_CODES.filter((code) => sole(ERROR_CATALOG[code].status)).map((code) => [
      ERROR_CATALOG[code].status,
      code,
    ]),
  );
})();

/** The code of an error that came with only a status, when the status says which. */
export function soleCodeOf(status: number): ErrorCode | undefined {
  return SOLE_CODE_OF_STATUS.get(status);
}

/**
 * Fastify's own error codes (node_modules/fastify/lib/errors.js, every one with a 4xx status),
 * renamed: no `FST_ERR_*` reaches a client. test/protocols/error-catalog.test.ts checks that
 * every 4xx error Fastify defines is here.
 */
export const FASTIFY_ERROR_CODES: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_VALIDATION: "INVALID_INPUT",
  FST_ERR_CTP_INVALID_JSON_BODY: "BAD_JSON",
  FST_ERR_CTP_EMPTY_JSON_BODY: "BAD_JSON",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "UNSUPPORTED_MEDIA_TYPE",
  FST_ERR_CTP_BODY_TOO_LARGE: "BODY_TOO_LARGE",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "BAD_REQUEST",
  // A route declared to need a body (or its Content-Type) got none: none of ours is.
  FST_ERR_ROUTE_MISSING_CONTENT: "BAD_REQUEST",
  FST_ERR_ROUTE_MISSING_CONTENT_TYPE: "BAD_REQUEST",
  // A parser added after start-up: our bug, not the client's.
  FST_ERR_CTP_INSTANCE_ALREADY_STARTED: "INTERNAL",
  FST_ERR_NOT_FOUND: "ROUTE_NOT_FOUND",
  FST_ERR_BAD_URL: "BAD_URL",
  FST_ERR_INVALID_URL: "BAD_URL",
  FST_ERR_MAX_PARAM_LENGTH: "URL_TOO_LONG",
};

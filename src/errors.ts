/**
 * The closed set of errors the service raises on purpose. Each carries a stable `code` (for
 * clients and logs) and the HTTP `statusCode` a transport should answer with. Anything that is not
 * a ServiceError is a bug and is answered as a masked 500 by the protocol layer.
 */
export abstract class ServiceError extends Error {
  abstract readonly code: string;
  abstract readonly statusCode: number;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The request is well-formed JSON but not a valid request for this model. */
export class InvalidInputError extends ServiceError {
  readonly code = "INVALID_INPUT";
  readonly statusCode = 400;
}

/** No credential, or one the service does not know (API keys): 401 with WWW-Authenticate. */
export class UnauthenticatedError extends ServiceError {
  readonly code = "UNAUTHENTICATED";
  readonly statusCode = 401;
}

/** A known credential without the scope the route needs (predict, explain, feedback, admin). */
export class ForbiddenError extends ServiceError {
  readonly code = "FORBIDDEN";
  readonly statusCode = 403;
}

/** The caller is over its quota: 429 with Retry-After and the RateLimit-* headers. */
export class RateLimitedError extends ServiceError {
  readonly code = "RATE_LIMITED";
  readonly statusCode = 429;
}

/** The named model (or version) is not served here. */
export class ModelNotFoundError extends ServiceError {
  readonly code = "MODEL_NOT_FOUND";
  readonly statusCode = 404;
}

/** No model is loaded yet, or the service is draining before shutdown. */
export class NotReadyError extends ServiceError {
  readonly code = "NOT_READY";
  readonly statusCode = 503;
}

/**
 * Load shedding: the event loop lags past MAX_EVENT_LOOP_DELAY_MS, so the request is refused at
 * once (with Retry-After) instead of queueing behind work that is already late.
 */
export class OverloadedError extends ServiceError {
  readonly code = "OVERLOADED";
  readonly statusCode = 503;

  constructor(message = "the service is overloaded; retry shortly") {
    super(message);
  }
}

/** Model artifacts are missing, corrupt or inconsistent. Fatal at boot; a refused reload later. */
export class ArtifactError extends ServiceError {
  readonly code = "ARTIFACT_INVALID";
  readonly statusCode = 500;
}

/** The artifact store could not be reached or kept failing after retries. */
export class StorageUnavailableError extends ServiceError {
  readonly code = "STORAGE_UNAVAILABLE";
  readonly statusCode = 503;
}

/** A compare-and-swap lost the race or an immutable object already exists (registry). */
export class ConflictError extends ServiceError {
  readonly code = "CONFLICT";
  readonly statusCode = 409;
}

/** What was asked for is switched off in this deployment's configuration. */
export class NotConfiguredError extends ServiceError {
  readonly code = "NOT_CONFIGURED";
  readonly statusCode = 404;
}

/** A configuration value is invalid. Raised at start-up only; names the variable. */
export class ConfigError extends ServiceError {
  readonly code = "CONFIG_INVALID";
  readonly statusCode = 500;
}

/** The message of anything thrown, for composing error messages. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

import type { ErrorCode } from "../../../src/protocols/error-catalog.js";

/**
 * Each error code of the service's catalog (src/protocols/error-catalog.ts), in words for the
 * person at the page. Typed by the catalog: a new code fails the build until it has words here.
 */
export const ERROR_WORDS: Readonly<Record<ErrorCode, string>> = {
  INVALID_INPUT: "A value does not fit the model",
  BAD_JSON: "The page sent a request the service could not read",
  BAD_REQUEST: "The request was malformed on its way to the service",
  BAD_URL: "The page asked for a malformed address",
  UNAUTHENTICATED: "This service needs an API key, and the key given is missing or unknown",
  FORBIDDEN: "The API key is valid but may not do this; ask for a key with that permission",
  MODEL_NOT_FOUND: "The service does not serve this model (any more)",
  NOT_CONFIGURED: "The service is not set up for this",
  ROUTE_NOT_FOUND: "The service has no such address",
  METHOD_NOT_ALLOWED: "The service does not take this kind of request here",
  BODY_TOO_LARGE: "Too much data in one request",
  URL_TOO_LONG: "The address is too long",
  UNSUPPORTED_MEDIA_TYPE: "The service does not read this kind of data",
  RATE_LIMITED: "Too many requests for now; wait a moment and try again",
  INTERNAL: "The service failed; the error is logged on its side",
  NOT_READY: "The service is starting or shutting down (draining); try again in a moment",
  OVERLOADED: "The service is overloaded right now; try again in a moment",
};

/** The words for a code, or for an answer without a known code (a proxy's, a network failure). */
export function errorWords(code: string | undefined, status: number | undefined): string {
  if (code !== undefined && code in ERROR_WORDS) return ERROR_WORDS[code as ErrorCode];
  if (status === undefined) return "The service cannot be reached";
  return `The service answered ${status}`;
}

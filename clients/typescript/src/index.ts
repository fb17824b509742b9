export { createClient, type ClientOptions, type LeadScoringClient } from "./client.js";
export {
  LeadScoringError,
  type ClientErrorCode,
  type ErrorCode,
  type LeadScoringErrorDetails,
} from "./errors.js";
export type { CallOptions, HttpMethod, PathsFor, RequestInit, SuccessBody } from "./request.js";
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from "./retry.js";
export type * from "./types.js";
export type { components, paths } from "./schema.js";

import { Type, type Static } from "typebox";
import { ERROR_CODES } from "./error-catalog.js";
import type { App } from "./fastify.js";

/**
 * The one error body of every protocol: `{"error": message}` is what KServe V1 and the Open
 * Inference Protocol define; `code` is a stable identifier for programs, one of the catalog's
 * (error-catalog.ts), so TypeScript refuses a code the catalog does not list.
 */
export const ErrorBody = Type.Object(
  {
    error: Type.String({ description: "What was wrong, naming the instance and field." }),
    code: Type.Enum(ERROR_CODES, {
      description: "Stable error code; docs/errors.md says what each means and how to fix it.",
    }),
  },
  { $id: "ErrorResponse", title: "ErrorResponse" },
);
export type ErrorBody = Static<typeof ErrorBody>;

/**
 * A reference to the shared ErrorResponse schema (registered by `registerErrorSchema`), typed as
 * the body it stands for: every route's error responses point at one schema in the OpenAPI
 * document instead of a copy each.
 */
export const ErrorResponseRef = Type.Unsafe<ErrorBody>({ $ref: "ErrorResponse#" });

/** Makes ErrorResponse known to validation, serialization and the OpenAPI document. */
export function registerErrorSchema(app: App): void {
  app.addSchema(ErrorBody);
}

/** Response schemas for the given error statuses, all the shared ErrorResponse. */
export function errorResponses<const S extends readonly number[]>(
  ...statuses: S
): Record<S[number], typeof ErrorResponseRef> {
  return Object.fromEntries(statuses.map((status) => [status, ErrorResponseRef])) as Record<
    S[number],
    typeof ErrorResponseRef
  >;
}

/** Response schemas for the errors every data-plane route can answer with. */
export const DATA_PLANE_ERRORS = errorResponses(400, 404, 413, 503);

/**
 * Adds to every documented route the errors any route can answer with, so the OpenAPI document
 * states what the service does: 503 (load shedding reaches every route), 400 and 414 where the
 * path has parameters (a malformed %-escape, a parameter over Fastify's maxParamLength), and 400,
 * 413 and 415 where a body is taken. A route's own schema for a status wins.
 */
export function documentCommonErrors(app: App): void {
  app.addHook("onRoute", (route) => {
    const schema = route.schema;
    if (schema === undefined || schema.hide === true) return;
    const common: Record<number, typeof ErrorResponseRef> = errorResponses(503);
    if (schema.params !== undefined) Object.assign(common, errorResponses(400, 414));
    if (schema.body !== undefined) Object.assign(common, errorResponses(400, 413, 415));
    const own = (schema.response ?? {}) as Record<string, unknown>;
    route.schema = { ...schema, response: { ...common, ...own } };
  });
}

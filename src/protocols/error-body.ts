import { Type, type Static } from "typebox";
import type { App } from "./fastify.js";

/**
 * The one error body of every protocol: `{"error": message}` is what KServe V1 and the Open
 * Inference Protocol define; `code` is a stable identifier for programs.
 */
export const ErrorBody = Type.Object(
  {
    error: Type.String({ description: "What was wrong, naming the instance and field." }),
    code: Type.String({ description: "Stable error code, e.g. INVALID_INPUT." }),
  },
  { $id: "ErrorBody", title: "Error" },
);
export type ErrorBody = Static<typeof ErrorBody>;

/** Response schemas for the errors every data-plane route can answer with. */
export const DATA_PLANE_ERRORS = {
  400: ErrorBody,
  404: ErrorBody,
  413: ErrorBody,
  503: ErrorBody,
} as const;

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
    const common: Record<number, typeof ErrorBody> = { 503: ErrorBody };
    if (schema.params !== undefined) Object.assign(common, { 400: ErrorBody, 414: ErrorBody });
    if (schema.body !== undefined) {
      Object.assign(common, { 400: ErrorBody, 413: ErrorBody, 415: ErrorBody });
    }
    const own = (schema.response ?? {}) as Record<string, unknown>;
    route.schema = { ...schema, response: { ...common, ...own } };
  });
}

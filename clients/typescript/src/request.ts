/**
 * Types for a call to any path of the generated document (KServe V1, V2, model metadata…):
 * the path parameters and body it requires, and its success body.
 */
import type { paths } from "./schema.js";
import type { JsonBody } from "./types.js";

export type HttpMethod = "get" | "post";

/** The paths that take `method`. */
export type PathsFor<M extends HttpMethod> = {
  [P in keyof paths]-?: [NonNullable<paths[P][M]>] extends [never] ? never : P;
}[keyof paths];

export type Operation<M extends HttpMethod, P extends PathsFor<M>> = NonNullable<paths[P][M]>;

type PathParams<Op> = Op extends { parameters: { path: infer Params } }
  ? [Params] extends [undefined]
    ? never
    : Params
  : never;
type RequestBody<Op> = Op extends { requestBody: infer Body } ? JsonBody<Body> : never;
type SuccessStatus = 200 | 201 | 202;

/** The JSON body of the operation's 2xx answer. */
export type SuccessBody<Op> = Op extends { responses: infer Responses }
  ? JsonBody<Responses[Extract<keyof Responses, SuccessStatus>]>
  : never;

/** What a single call may set, beyond the client's options. */
export interface CallOptions {
  /** Cancels the call, retries included. */
  readonly signal?: AbortSignal;
  /** Sent as `X-Request-Id` on every attempt (default: a fresh UUID per call). */
  readonly requestId?: string;
  /** This call's retries, instead of the client's. */
  readonly retries?: number;
}

/** `params` when the path has parameters, `body` when the operation takes one. */
export type RequestInit<Op> = CallOptions &
  ([PathParams<Op>] extends [never] ? { params?: never } : { params: PathParams<Op> }) &
  ([RequestBody<Op>] extends [never] ? { body?: never } : { body: RequestBody<Op> });

/** Fills `{name}` and the like; each value is URL-encoded. */
export function fillPath(
  template: string,
  params: Readonly<Record<string, string | number>> = {},
): string {
  return template.replace(/\{([^}]+)\}/g, (_, key: string) => {
    const value = params[key];
    if (value === undefined) throw new TypeError(`path parameter "${key}" missing for ${template}`);
    return encodeURIComponent(String(value));
  });
}

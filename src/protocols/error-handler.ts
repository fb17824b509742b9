import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { cutInput, quoteInput } from "../echo.js";
import { ServiceError } from "../errors.js";
import { answerOnceBodyDiscarded, isBodyTooLarge } from "./body-limit.js";
import type { ErrorBody } from "./error-body.js";
import {
  ERROR_CATALOG,
  FASTIFY_ERROR_CODES,
  isErrorCode,
  soleCodeOf,
  type ErrorCode,
} from "./error-catalog.js";
import type { App } from "./fastify.js";
import { allowedMethods, replyMethodNotAllowed } from "./method-not-allowed.js";

/** Seconds a client should wait before retrying a 503 (overload, not ready, draining). */
export const RETRY_AFTER_SECONDS = 1;

/**
 * The longest error message we send. Messages name fields and echo values through quoteInput;
 * this is the backstop for texts we do not compose ourselves (Fastify's, a header echoed inside).
 */
const MAX_MESSAGE_LENGTH = 2048;

/**
 * One place turns every failure into a status and an ErrorBody. Service errors carry their own
 * status; Fastify's 4xx (schema validation, malformed JSON, body too large) keep theirs with a
 * message that names the field; anything else is a bug: logged in full with the request id and
 * stack, answered as a masked 500 without either.
 */
export function registerErrorHandlers(app: App): void {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    // A body over the limit is answered once it has been read and thrown away (body-limit.ts).
    if (isBodyTooLarge(error)) {
      return answerOnceBodyDiscarded(request, reply, (tooLarge) =>
        sendError(tooLarge, request, reply),
      );
    }
    // A request no route takes can fail in body parsing before the not-found handler runs
    // (QUERY without a Content-Type): the missing route is still the answer.
    if (request.is404) return answerNoRoute(request, reply);
    return sendError(error, request, reply);
  });
  app.setNotFoundHandler(answerNoRoute);
}

/** 405 with Allow when the path exists with other methods, else 404. */
function answerNoRoute(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const allowed = allowedMethods(request);
  if (allowed.length > 0) return replyMethodNotAllowed(request, reply, allowed);
  return reply.status(404).send({
    error: `no route ${request.method} ${cutInput(request.url.split("?")[0] ?? "")}`,
    code: "ROUTE_NOT_FOUND",
  } satisfies ErrorBody);
}

function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { status, body } = toErrorResponse(error, request.headers["content-type"]);
  if (status >= 500 && status !== 503) request.log.error({ err: error }, "request failed");
  else request.log.info({ code: body.code, error: body.error }, "request rejected");
  // Every 503 is temporary (overload, no model yet, draining): say when to come back.
  if (status === 503 && !reply.hasHeader("retry-after")) {
    reply.header("retry-after", RETRY_AFTER_SECONDS);
  }
  return reply.status(status).send(body);
}

/**
 * Fastify's `frameworkErrors` option: errors raised before routing (a malformed URL, a path
 * parameter over maxParamLength) get the same body as every other error. Without it Fastify
 * writes its own shape and echoes the whole URL.
 */
export function answerFrameworkError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const code = error.code === "FST_ERR_MAX_PARAM_LENGTH" ? "URL_TOO_LONG" : "BAD_URL";
  const what = code === "URL_TOO_LONG" ? "a path segment is too long" : "bad URL";
  const body: ErrorBody = { error: `${what}: ${cutInput(request.url)}`, code };
  request.log.info({ code: body.code, error: body.error }, "request rejected");
  void reply.status(ERROR_CATALOG[code].status).send(body);
}

/**
 * The status and body for any failure, with a code from the catalog (error-catalog.ts) and that
 * code's status: a service error's own code when the catalog has it at that status (the others,
 * start-up and CLI errors, never concern a request: masked like a bug); Fastify's 4xx renamed;
 * any other 4xx a plugin raises gets the one code the catalog has for its status (a 429 from
 * @fastify/rate-limit's default error is RATE_LIMITED), else 400 BAD_REQUEST; the rest is a
 * masked 500. So a response's status is always its code's status in the catalog.
 */
export function toErrorResponse(
  error: unknown,
  contentType?: string,
): { status: number; body: ErrorBody } {
  if (error instanceof ServiceError) {
    if (isErrorCode(error.code) && ERROR_CATALOG[error.code].status === error.statusCode) {
      return { status: error.statusCode, body: body(error.message, error.code) };
    }
    return INTERNAL;
  }
  if (isFastifyClientError(error)) {
    const renamed = FASTIFY_ERROR_CODES[error.code ?? ""] ?? soleCodeOf(error.statusCode);
    if (renamed === "INTERNAL") return INTERNAL;
    const message = error.validation
      ? describeValidation(error)
      : renamed === "UNSUPPORTED_MEDIA_TYPE"
        ? `the body's Content-Type must be application/json, got ${quoteInput(contentType ?? "none")}`
        : error.message;
    if (renamed === undefined) return { status: 400, body: body(message, "BAD_REQUEST") };
    return { status: ERROR_CATALOG[renamed].status, body: body(message, renamed) };
  }
  return INTERNAL;
}

const INTERNAL = { status: 500, body: { error: "internal error", code: "INTERNAL" } } as const;

function body(message: string, code: ErrorCode): ErrorBody {
  const error =
    message.length <= MAX_MESSAGE_LENGTH ? message : `${message.slice(0, MAX_MESSAGE_LENGTH)}…`;
  return { error, code };
}

function isFastifyClientError(error: unknown): error is FastifyError & { statusCode: number } {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === "number" && status >= 400 && status < 500;
}

type Issue = NonNullable<FastifyError["validation"]>[number];

/**
 * "body/instances/0 must be object" → `body.instances[0]: must be object`, naming extra keys.
 * A value that matches no branch of an anyOf (number | string | null) gets one message for its
 * path: the branch's own complaint if one branch came close (a string too long), else the list of
 * types it could have been.
 */
function describeValidation(error: FastifyError): string {
  const issues = error.validation ?? [];
  const context = error.validationContext ?? "body";
  const anyOfPaths = new Set(
    issues.filter((issue) => issue.keyword === "anyOf").map((i) => i.instancePath),
  );
  const messages: string[] = [];
  for (const path of new Set(issues.map((issue) => issue.instancePath))) {
    const here = issues.filter((issue) => issue.instancePath === path);
    const where = `${context}${readablePath(path)}`;
    if (anyOfPaths.has(path)) messages.push(`${where}: ${describeAnyOf(here)}`);
    else messages.push(...here.map((issue) => `${where}: ${describeIssue(issue)}`));
  }
  return messages.join("; ");
}

function describeAnyOf(issues: readonly Issue[]): string {
  const branches = issues.filter((issue) => issue.keyword !== "anyOf");
  const near = branches.find((issue) => issue.keyword !== "type");
  if (near !== undefined) return describeIssue(near);
  const types = branches.map((issue) => String((issue.params as { type?: unknown }).type));
  const last = types.pop();
  return types.length === 0 ? `must be ${last}` : `must be ${types.join(", ")} or ${last}`;
}

function describeIssue(issue: Issue): string {
  const extra = (issue.params as { additionalProperty?: unknown }).additionalProperty;
  return typeof extra === "string"
    ? `unknown property ${quoteInput(extra)}`
    : (issue.message ?? "is invalid");
}

/** "/instances/0/lead_origin" → ".instances[0].lead_origin"; odd or long keys are quoted. */
function readablePath(instancePath: string): string {
  return instancePath
    .split("/")
    .slice(1)
    .map((part) => {
      if (/^\d+$/.test(part)) return `[${part}]`;
      if (/^[A-Za-z_][\w]{0,63}$/.test(part)) return `.${part}`;
      // JSON Pointer escapes "~" and "/" as "~0" and "~1".
      return `[${quoteInput(part.replaceAll("~1", "/").replaceAll("~0", "~"))}]`;
    })
    .join("");
}

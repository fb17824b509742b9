import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { ServiceError } from "../errors.js";
import { answerOnceBodyDiscarded, isBodyTooLarge } from "./body-limit.js";
import type { ErrorBody } from "./error-body.js";
import type { App } from "./fastify.js";
import { allowedMethods, replyMethodNotAllowed } from "./method-not-allowed.js";

/**
 * One place turns every failure into a status and an ErrorBody. Service errors carry their own
 * status; Fastify's 4xx (schema validation, malformed JSON, body too large) keep theirs with a
 * message that names the field; anything else is a bug: logged in full, answered as a masked
 * 500 without a stack trace.
 */
export function registerErrorHandlers(app: App): void {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    // A body over the limit is answered once it has been read and thrown away (body-limit.ts).
    if (isBodyTooLarge(error)) {
      return answerOnceBodyDiscarded(request, reply, (tooLarge) =>
        sendError(tooLarge, request, reply),
      );
    }
    return sendError(error, request, reply);
  });
  app.setNotFoundHandler((request, reply) => {
    const allowed = allowedMethods(request);
    if (allowed.length > 0) return replyMethodNotAllowed(request, reply, allowed);
    return reply.status(404).send({
      error: `no route ${request.method} ${request.url.split("?")[0]}`,
      code: "ROUTE_NOT_FOUND",
    } satisfies ErrorBody);
  });
}

function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { status, body } = toErrorResponse(error);
  if (status >= 500) request.log.error({ err: error }, "request failed");
  else request.log.info({ code: body.code, error: body.error }, "request rejected");
  return reply.status(status).send(body);
}

export function toErrorResponse(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof ServiceError && error.statusCode < 500) {
    return { status: error.statusCode, body: { error: error.message, code: error.code } };
  }
  if (error instanceof ServiceError && error.statusCode === 503) {
    return { status: 503, body: { error: error.message, code: error.code } };
  }
  if (isFastifyClientError(error)) {
    const message = error.validation ? describeValidation(error) : error.message;
    return {
      status: error.statusCode,
      body: { error: message, code: error.code ?? "BAD_REQUEST" },
    };
  }
  return { status: 500, body: { error: "internal error", code: "INTERNAL" } };
}

function isFastifyClientError(error: unknown): error is FastifyError & { statusCode: number } {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === "number" && status >= 400 && status < 500;
}

/** "body/instances/0 must be object" → `body.instances[0]: must be object`, naming extra keys. */
function describeValidation(error: FastifyError): string {
  return (error.validation ?? [])
    .map((issue) => {
      const path = `${error.validationContext ?? "body"}${issue.instancePath
        .split("/")
        .slice(1)
        .map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part}`))
        .join("")}`;
      const extra = (issue.params as { additionalProperty?: unknown }).additionalProperty;
      return typeof extra === "string"
        ? `${path}: unknown property "${extra}"`
        : `${path}: ${issue.message ?? "is invalid"}`;
    })
    .join("; ");
}

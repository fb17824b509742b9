import type { FastifyReply, FastifyRequest } from "fastify";
import { cutInput } from "../echo.js";
import type { ErrorBody } from "./error-body.js";

/**
 * The methods the request's path answers to, asked of Fastify's own router (so parametric,
 * regex and literal-colon routes count, and HEAD where Fastify exposes it for a GET route);
 * empty when no route matches the path. A catch-all route (`OPTIONS *`, which @fastify/cors
 * adds for preflights) matches every path: it is listed only when another method matches.
 */
export function allowedMethods(request: FastifyRequest): string[] {
  const path = request.url.split("?")[0] ?? "/";
  const routed: string[] = [];
  const catchAll: string[] = [];
  for (const method of request.server.supportedMethods) {
    // Typed as never null, but null when no route matches.
    const route: { params: Record<string, string | undefined> } | null = request.server.findRoute({
      method,
      url: request.url,
    });
    if (route === null) continue;
    (isCatchAll(route.params, path) ? catchAll : routed).push(method);
  }
  return routed.length === 0 ? [] : [...routed, ...catchAll].sort();
}

/** 405 with `Allow`, for a path that exists with other methods. */
export function replyMethodNotAllowed(
  request: FastifyRequest,
  reply: FastifyReply,
  allowed: readonly string[],
): FastifyReply {
  const path = request.url.split("?")[0];
  return reply
    .status(405)
    .header("allow", allowed.join(", "))
    .send({
      error: `method ${request.method} is not allowed on ${cutInput(path ?? "")}; allowed: ${allowed.join(", ")}`,
      code: "METHOD_NOT_ALLOWED",
    } satisfies ErrorBody);
}

/** A `*` route at the root: its wildcard holds the whole path (with or without its "/"). */
function isCatchAll(params: Record<string, string | undefined>, path: string): boolean {
  const rest = params["*"];
  if (rest === undefined) return false;
  const whole = rest.startsWith("/") ? rest : `/${rest}`;
  return whole === path || whole === safeDecode(path);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

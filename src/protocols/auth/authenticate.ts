import type { IncomingHttpHeaders } from "node:http";
import { ForbiddenError, UnauthenticatedError } from "../../errors.js";
import type { App } from "../fastify.js";
import type { ApiKeys } from "./api-keys.js";
import type { ApiKey } from "./keys-file.js";
import { UNDECLARED_ROUTE_ACCESS } from "./scopes.js";

declare module "fastify" {
  interface FastifyRequest {
    /** The caller's API key once authenticated; undefined when keys are off or on open routes. */
    apiKey: ApiKey | undefined;
  }
}

/** The challenge of every 401 (RFC 6750): the scheme and our realm. */
export const CHALLENGE = 'Bearer realm="lead-scoring"';

/** Every request has the property from the start, whether or not keys are on (one shape). */
export function decorateApiKey(app: App): void {
  app.decorateRequest("apiKey", undefined);
}

/**
 * One onRequest hook enforces the scope each route declares in `config.scope` (scopes.ts), so a
 * new route cannot be forgotten: one without a scope needs "admin". Unknown paths pass through
 * to their 404/405, which reveal nothing the OpenAPI document does not.
 */
export function registerAuthentication(app: App, keys: ApiKeys): void {
  app.addHook("onRequest", (request, reply, done) => {
    if (request.is404) return done();
    const access = request.routeOptions.config.scope ?? UNDECLARED_ROUTE_ACCESS;
    if (access === "open") return done();
    const presented = presentedKey(request.headers);
    if (presented === undefined) {
      reply.header("www-authenticate", CHALLENGE);
      return done(
        new UnauthenticatedError(
          "an API key is needed: send it as Authorization: Bearer <key> or as x-api-key: <key>",
        ),
      );
    }
    const key = keys.lookup(presented);
    if (key === undefined) {
      reply.header("www-authenticate", `${CHALLENGE}, error="invalid_token"`);
      return done(new UnauthenticatedError("the API key is not known here"));
    }
    request.apiKey = key;
    if (!key.scopes.has(access)) {
      return done(
        new ForbiddenError(
          `the API key "${key.name}" lacks the "${access}" scope this route needs`,
        ),
      );
    }
    done();
  });
}

/**
 * The key from `x-api-key`, else from `Authorization: Bearer <key>` (scheme case-insensitive).
 * x-api-key wins because it can only mean our key: Authorization may carry a proxy's token in
 * front of us (Identity-Aware Proxy takes a Google ID token there), with the key beside it.
 */
function presentedKey(headers: IncomingHttpHeaders): string | undefined {
  const apiKey = headers["x-api-key"];
  if (typeof apiKey === "string" && apiKey !== "") return apiKey;
  const match = /^Bearer[ ]+(\S+)[ ]*$/i.exec(headers.authorization ?? "");
  return match?.[1];
}

import type { RouteOptions } from "fastify";
import type { AccessConfig } from "../../config.js";
import { errorResponses } from "../error-body.js";
import type { App } from "../fastify.js";
import { decorateApiKey, registerAuthentication } from "./authenticate.js";
import { KeysWatcher, type ReloadResult } from "./keys-watcher.js";
import { registerRateLimit } from "./rate-limit.js";
import type { RouteAccess } from "./scopes.js";

/** A registered route and the access it declared (undefined: none, so "admin"). */
export interface DeclaredAccess {
  readonly method: string;
  readonly url: string;
  readonly scope: RouteAccess | undefined;
}

declare module "fastify" {
  interface FastifyInstance {
    /** Every route with its declared access: what auth-routes.test.ts walks. */
    declaredAccess(): DeclaredAccess[];
  }
}

/** The OpenAPI security schemes of the two ways to send a key (added when keys are on). */
export const SECURITY_SCHEMES = {
  bearerAuth: { type: "http", scheme: "bearer", description: "Authorization: Bearer <key>" },
  apiKey: { type: "apiKey", in: "header", name: "x-api-key" },
} as const;

/**
 * API keys (when API_KEYS_FILE is set) and rate limits (when keys are on or RATE_LIMIT_MAX is
 * set), registered before any route so that each route gets the rate limiter's hook and, in the
 * OpenAPI document, its security requirement. Keys off and no limit: nothing runs per request.
 */
export async function registerAccessControl(
  app: App,
  access: AccessConfig,
  onReload?: (result: ReloadResult, keys: number) => void,
): Promise<void> {
  decorateApiKey(app);
  // The route options themselves, read when asked: plugins' own onRoute hooks (the docs') set
  // a scope after this one has run.
  const routes: RouteOptions[] = [];
  app.addHook("onRoute", (route) => void routes.push(route as RouteOptions));
  app.decorate("declaredAccess", () =>
    routes.flatMap((route) =>
      [route.method]
        .flat()
        .map((method) => ({ method, url: route.url, scope: route.config?.scope })),
    ),
  );
  // CORS preflights (OPTIONS) never carry credentials (Fetch standard): they must stay open.
  app.addHook("onRoute", (route) => {
    if (route.method === "OPTIONS" && route.config?.scope === undefined) {
      route.config = { ...route.config, scope: "open" };
    }
  });
  const keysOn = access.apiKeysFile !== undefined;
  if (access.apiKeysFile !== undefined) {
    const watcher = new KeysWatcher({ file: access.apiKeysFile, log: app.log, onReload });
    onReload?.("success", watcher.keys.size);
    registerAuthentication(app, watcher.keys);
    watcher.start(access.apiKeysPollSeconds * 1000);
    app.addHook("onClose", () => watcher.stop());
  }
  if (keysOn || access.rateLimit !== undefined) {
    documentAccess(app, keysOn);
    await registerRateLimit(app, access.rateLimit);
  }
}

/**
 * Each documented route that is limited says so in the OpenAPI document (429) and, with keys,
 * that it needs one: `security` (either scheme), 401 and 403. Open routes and the default
 * document (keys off, no limit: the committed openapi.yaml) are unchanged.
 */
function documentAccess(app: App, keysOn: boolean): void {
  app.addHook("onRoute", (route) => {
    const schema = route.schema;
    if (schema === undefined || schema.hide === true || route.config?.scope === "open") return;
    const own = (schema.response ?? {}) as Record<string, unknown>;
    const added = keysOn ? errorResponses(401, 403, 429) : errorResponses(429);
    route.schema = {
      ...schema,
      ...(keysOn ? { security: [{ bearerAuth: [] }, { apiKey: [] }] } : {}),
      response: { ...added, ...own },
    };
  });
}

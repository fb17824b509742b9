import rateLimit from "@fastify/rate-limit";
import type { FastifyRequest } from "fastify";
import { RateLimitedError } from "../../errors.js";
import type { App } from "../fastify.js";
import type { Quota } from "./keys-file.js";

/**
 * Per-caller quotas with @fastify/rate-limit, in memory, so per pod: a quota of N per window
 * admits up to N × replicas across the deployment (README "API keys and rate limits").
 *
 * The caller is the API key's name when keys are on (the authentication hook, an instance-level
 * onRequest hook, runs before the plugin's route-level one), else the client IP. Each key's
 * quota comes from the keys file, read per request so a rotated file applies at once; a caller
 * without a quota is not counted at all. Over it: 429 RATE_LIMITED through the error handler,
 * with Retry-After and the draft-6 RateLimit-Limit/-Remaining/-Reset headers (which every
 * counted response carries). Open routes (health probes) are never limited.
 *
 * Register it before the routes: the plugin attaches its hook to each route as it is added.
 */
export async function registerRateLimit(app: App, fallback: Quota | undefined): Promise<void> {
  // The key's own quota, else the file's default (both in ApiKey.quota), else RATE_LIMIT_MAX.
  const quotaOf = (request: FastifyRequest): Quota | undefined => request.apiKey?.quota ?? fallback;
  app.addHook("onRoute", (route) => {
    if (route.config?.scope === "open") route.config = { ...route.config, rateLimit: false };
  });
  await app.register(rateLimit, {
    global: true,
    hook: "onRequest",
    enableDraftSpec: true,
    keyGenerator: (request) => request.apiKey?.name ?? request.ip,
    allowList: (request) => quotaOf(request) === undefined,
    // allowList has let through every request without a quota.
    max: (request) => quotaOf(request)?.max ?? Number.MAX_SAFE_INTEGER,
    timeWindow: (request) => quotaOf(request)?.timeWindowMs ?? 60_000,
    errorResponseBuilder: (_request, context) =>
      new RateLimitedError(
        `rate limit of ${context.max} requests exceeded; retry in ${context.after}`,
      ),
  });
}

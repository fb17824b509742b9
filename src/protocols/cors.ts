import cors from "@fastify/cors";
import type { App } from "./fastify.js";

/**
 * Response headers a browser script may read besides the CORS-safelisted ones: the request id (to
 * quote in a support request), the version that answered (a canary's candidate, perhaps), when
 * to retry a 429 or 503, and the quota @fastify/rate-limit reports with its draft-spec headers
 * (it sends no RateLimit-Policy).
 */
export const EXPOSED_HEADERS = [
  "X-Request-Id",
  "X-Model-Version",
  "Retry-After",
  "RateLimit-Limit",
  "RateLimit-Remaining",
  "RateLimit-Reset",
] as const;

/**
 * CORS for the browser origins in CORS_ORIGINS. A JSON POST needs a preflight; its answer is
 * cached for `maxAgeSeconds`, so a frontend pays the extra round trip once per that time, not
 * once per request. Request headers are those the preflight asks for (the plugin's default), so
 * `Authorization`, `x-api-key` and `X-Request-Id` all pass.
 */
export async function registerCors(
  app: App,
  origins: readonly string[],
  maxAgeSeconds: number,
): Promise<void> {
  await app.register(cors, {
    origin: [...origins],
    methods: ["GET", "POST"],
    exposedHeaders: [...EXPOSED_HEADERS],
    maxAge: maxAgeSeconds,
  });
}

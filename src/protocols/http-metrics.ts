import type { App } from "./fastify.js";
import type { Metrics } from "../monitoring/metrics.js";

/**
 * Counts and times every response by route template (not raw URL: bounded cardinality) and by
 * the model version that answered it.
 * Unmatched URLs share one "unmatched" route label. The count also carries the API key's name
 * (bounded by the keys file), "anonymous" without one.
 */
export function registerHttpMetrics(app: App, metrics: Metrics): void {
  app.addHook("onResponse", (request, reply, done) => {
    // The version that answered (X-Model-Version, set from the body): during a canary the RED
    // metrics compare production and candidate. "none" where no model answered (health, errors).
    const version = reply.getHeader("x-model-version");
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? "unmatched",
      status_code: reply.statusCode,
      version: typeof version === "string" ? version : "none",
    };
    metrics.httpRequests.inc({ ...labels, key: request.apiKey?.name ?? "anonymous" });
    metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
    done();
  });
}

import type { App } from "./fastify.js";
import type { Metrics } from "../monitoring/metrics.js";

/**
 * Counts and times every response by route template (not raw URL: bounded cardinality).
 * Unmatched URLs share one "unmatched" route label. The count also carries the API key's name
 * (bounded by the keys file), "anonymous" without one.
 */
export function registerHttpMetrics(app: App, metrics: Metrics): void {
  app.addHook("onResponse", (request, reply, done) => {
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? "unmatched",
      status_code: reply.statusCode,
    };
    metrics.httpRequests.inc({ ...labels, key: request.apiKey?.name ?? "anonymous" });
    metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
    done();
  });
}

import type {} from "@fastify/swagger";
import type { Metrics } from "../../monitoring/metrics.js";
import type { App } from "../fastify.js";

/** Prometheus text exposition of every metric. Hidden from the OpenAPI document. */
export function registerMetricsRoute(app: App, metrics: Metrics): void {
  app.get("/metrics", { schema: { hide: true } }, async (_, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}

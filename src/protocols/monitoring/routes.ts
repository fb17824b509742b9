import type {} from "@fastify/swagger";
import type { Metrics } from "../../monitoring/metrics.js";
import type { App } from "../fastify.js";

/** Prometheus text exposition of every metric. Hidden from the OpenAPI document. */
export function registerMetricsRoute(app: App, metrics: Metrics): void {
  // Open: on its own port (METRICS_PORT) the API's keys never apply; on the API port
  // (METRICS_PORT=0) Prometheus scrapes without a key as well.
  const options = { schema: { hide: true }, config: { scope: "open" as const } };
  app.get("/metrics", options, async (_, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}

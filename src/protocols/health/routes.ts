import { Type } from "typebox";
import type { DataPlane } from "../../dataplane/dataplane.js";
import { ErrorResponseRef } from "../error-body.js";
import { literalRoute, type App } from "../fastify.js";

const HealthBody = Type.Object({ status: Type.String() });
/** Not ready says so in a HealthBody; a shed probe (overload) gets the ErrorBody every route does. */
const HEALTH_RESPONSES = { 200: HealthBody, 503: Type.Union([HealthBody, ErrorResponseRef]) };

/**
 * Liveness (the process answers) and readiness (a model is loaded, proven against its golden
 * file, and we are not draining). `/health` is readiness: the route the original design and
 * Vertex AI probe; Vertex may name another one in AIP_HEALTH_ROUTE.
 */
export function registerHealthRoutes(
  app: App,
  dataPlane: DataPlane,
  extraReadinessRoute: string | undefined,
): void {
  app.get(
    "/health/live",
    {
      schema: { tags: ["health"], summary: "Liveness", response: { 200: HealthBody } },
      config: { neverShed: true, scope: "open" },
    },
    () => ({ status: "live" }),
  );
  const readiness = { tags: ["health"], summary: "Readiness", response: HEALTH_RESPONSES };
  const ready = (_: unknown, reply: { code: (status: 200 | 503) => unknown }) => {
    const isReady = dataPlane.isReady();
    reply.code(isReady ? 200 : 503);
    return { status: isReady ? "ready" : "not ready" };
  };
  const readinessRoutes = new Set([
    "/health/ready",
    "/health",
    literalRoute(extraReadinessRoute ?? "/health"),
  ]);
  for (const url of readinessRoutes)
    app.get(url, { schema: readiness, config: { scope: "open" } }, ready);
}

import underPressure from "@fastify/under-pressure";
import type { FastifyRequest } from "fastify";
import { OverloadedError } from "../errors.js";
import type { App } from "./fastify.js";

declare module "fastify" {
  interface FastifyContextConfig {
    /**
     * Answer this route even under load. Liveness must: a shed liveness probe makes Kubernetes
     * restart a pod that is merely busy, which turns overload into an outage.
     */
    neverShed?: boolean;
  }
}

/**
 * Sheds load with a 503 OVERLOADED (and Retry-After, from the error handler) once the event loop
 * lags more than `maxEventLoopDelayMs`, rather than queueing requests that will time out anyway.
 * @fastify/under-pressure measures; our handler decides, so the answer is one of our errors
 * instead of the plugin's own (which the error handler would have had to special-case).
 */
export async function registerLoadShedding(app: App, maxEventLoopDelayMs: number): Promise<void> {
  await app.register(underPressure, {
    maxEventLoopDelay: maxEventLoopDelayMs,
    exposeStatusRoute: false,
    // A rejected promise reaches the error handler; resolving lets the request through.
    pressureHandler: (request: FastifyRequest, _reply, type, value) => {
      if (request.routeOptions.config.neverShed === true) return Promise.resolve();
      const measured = typeof value === "number" ? ` (${type} ${Math.round(value)})` : "";
      return Promise.reject(
        new OverloadedError(`the service is overloaded${measured}; retry shortly`),
      );
    },
  });
}

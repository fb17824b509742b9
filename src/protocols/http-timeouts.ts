import type { ServerOptions } from "node:http";
import type { HttpTimeouts } from "../config.js";

/** The Fastify options that set the API listener's timeouts. */
export interface ListenerTimeoutOptions {
  readonly keepAliveTimeout: number;
  readonly requestTimeout: number;
  readonly http: ServerOptions;
}

/** Node's own interval between two checks of the headers and request timeouts, at most. */
const DEFAULT_CHECK_INTERVAL_MS = 30_000;

/**
 * Keep-alive and request timeouts for the API listener (README "Keep-alive and timeouts").
 *
 * - keepAliveTimeout outlives the load balancer's pooled idle connection (600 s on Google's
 *   external Application Load Balancer), so the balancer is the side that closes it; the other
 *   way round it sends a request on a connection the pod is closing and answers the user 502.
 * - headersTimeout and requestTimeout (headers ≤ request, which Node requires) stay short: on
 *   Node ≥ 18 both run from the first byte of a request, never over an idle keep-alive
 *   connection, so they cannot cut one the balancer is about to reuse. (The advice to keep
 *   headersTimeout above keepAliveTimeout dates from Node 10–12, which timed the headers of a
 *   reused connection from the previous request: nodejs/node#27363.) Short, they bound a client
 *   that sends its request slowly (slowloris).
 *
 * All three go to http.createServer, whose constructor checks them together; Fastify then sets
 * keepAliveTimeout and requestTimeout again from its own options, so those carry the same
 * values. Node checks the two request timeouts every connectionsCheckingInterval: at least
 * twice per headersTimeout, so a short one is kept as closely as a long one.
 */
export function listenerTimeoutOptions(timeouts: HttpTimeouts): ListenerTimeoutOptions {
  return {
    keepAliveTimeout: timeouts.keepAliveMs,
    requestTimeout: timeouts.requestMs,
    http: {
      keepAliveTimeout: timeouts.keepAliveMs,
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      connectionsCheckingInterval: Math.max(
        1,
        Math.min(DEFAULT_CHECK_INTERVAL_MS, Math.floor(timeouts.headersMs / 2)),
      ),
    },
  };
}

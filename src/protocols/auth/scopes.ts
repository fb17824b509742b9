/** What an API key may do. A route needs exactly one of these, or is open to everyone. */
export const SCOPES = ["predict", "explain", "feedback", "admin"] as const;
export type Scope = (typeof SCOPES)[number];

/** A route's access: a scope a key must hold, or "open" (health probes) for any caller. */
export type RouteAccess = Scope | "open";

declare module "fastify" {
  interface FastifyContextConfig {
    /**
     * Who may call this route when API keys are on. Every route declares it; one that does not
     * is treated as "admin" (fail closed), and test/protocols/auth-routes.test.ts fails.
     */
    scope?: RouteAccess;
  }
}

/** The access a route without a declared scope gets: the narrowest, so forgetting is safe. */
export const UNDECLARED_ROUTE_ACCESS: RouteAccess = "admin";

import type { App } from "./fastify.js";

/**
 * `X-Model-Version` on every scoring answer: the version that answered it, which during a
 * canary may be the candidate. Taken from the body the route returns (Vertex and KServe V1's
 * `modelVersion`, V2's `model_version`), so the header can never name another version than the
 * body does.
 */
export function registerModelVersionHeader(app: App): void {
  app.addHook("preSerialization", (_request, reply, payload, done) => {
    if (typeof payload === "object" && payload !== null) {
      const body = payload as { modelVersion?: unknown; model_version?: unknown };
      const version = body.modelVersion ?? body.model_version;
      if (typeof version === "string") reply.header("x-model-version", version);
    }
    done(null, payload);
  });
}

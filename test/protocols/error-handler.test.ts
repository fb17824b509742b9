import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { describe, it } from "node:test";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import Fastify, { type FastifyBaseLogger } from "fastify";
import { pino } from "pino";
import { InvalidInputError } from "../../src/errors.js";
import { loggerOptions, requestId } from "../../src/logging.js";
import { registerErrorHandlers } from "../../src/protocols/error-handler.js";

/** A Fastify app with only our error handlers, a route that fails as asked, and its log lines. */
function appWithFailingRoute(failure: () => Error) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  // Typed as Fastify's logger so the app has the same type as the service's (App).
  const logger: FastifyBaseLogger = pino(loggerOptions("info"), sink);
  const app = Fastify({
    loggerInstance: logger,
    genReqId: (raw) => requestId(raw.headers),
  }).withTypeProvider<TypeBoxTypeProvider>();
  registerErrorHandlers(app);
  app.get("/fail", () => {
    throw failure();
  });
  return { app, lines };
}

describe("error handler", () => {
  it("masks a bug as 500 INTERNAL and logs it with the request id and stack", async () => {
    const { app, lines } = appWithFailingRoute(() => new TypeError("secret internals at 0xdead"));
    const response = await app.inject({
      method: "GET",
      url: "/fail",
      headers: { "x-request-id": "req-500" },
    });
    assert.equal(response.statusCode, 500);
    assert.deepEqual(response.json(), { error: "internal error", code: "INTERNAL" });
    assert.doesNotMatch(response.body, /secret|TypeError|at /);
    const entry = lines.find((line) => line.message === "request failed");
    assert.ok(entry, "the failure is logged");
    assert.equal(entry.severity, "ERROR");
    assert.equal(entry.reqId, "req-500");
    const err = entry.err as { message: string; stack: string };
    assert.equal(err.message, "secret internals at 0xdead");
    assert.match(err.stack, /TypeError: secret internals[\s\S]*error-handler\.test\.ts/);
    await app.close();
  });

  it("answers a service error with its own status and code, logged at info", async () => {
    const { app, lines } = appWithFailingRoute(() => new InvalidInputError("field x: bad"));
    const response = await app.inject({ method: "GET", url: "/fail" });
    assert.equal(response.statusCode, 400);
    assert.deepEqual(response.json(), { error: "field x: bad", code: "INVALID_INPUT" });
    assert.equal(lines.find((line) => line.message === "request rejected")?.severity, "INFO");
    await app.close();
  });
});

import type { IncomingMessage, ServerResponse } from "node:http";
import { finished } from "node:stream";
import type { FastifyReply, FastifyRequest } from "fastify";
import { ServiceError } from "../errors.js";
import type { App } from "./fastify.js";

/**
 * A 413 that clients can read. Fastify answers a body over the limit at once, with
 * `Connection: close`; Node's server ends and destroys the socket as soon as that answer is
 * written, and the body still arriving at a closed socket makes the kernel reset the
 * connection. A client that writes its whole body before it reads (Python's http.client, Node's
 * fetch) gets a broken pipe instead of the 413. So the 413 waits until the body has been read
 * and thrown away, up to this cap; then the connection closes cleanly after the answer.
 *
 * The cap is 16 MiB, or 8 bodies for a larger limit: reading is a few milliseconds per MiB and
 * holds no memory (chunks are dropped as they arrive). A body declared or found to be bigger
 * is not read further: it gets its 413 at once and a closed connection, which clients that
 * read while they write, or after a failed write (curl, requests, httpx), usually still see.
 */
export function discardCapBytes(bodyLimit: number): number {
  return Math.max(16 * 1024 * 1024, 8 * bodyLimit);
}

/** A request body over BODY_LIMIT_BYTES (Fastify's FST_ERR_CTP_BODY_TOO_LARGE, renamed). */
export class BodyTooLargeError extends ServiceError {
  readonly code = "BODY_TOO_LARGE";
  readonly statusCode = 413;

  constructor(limitBytes: number) {
    super(`request body is too large: the limit is ${limitBytes} bytes`);
  }
}

export function isBodyTooLarge(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "FST_ERR_CTP_BODY_TOO_LARGE";
}

/** Requests sent with `Expect: 100-continue` whose body was never asked for. */
const continueWithheld = new WeakSet<IncomingMessage>();

/**
 * `Expect: 100-continue` with a declared length over the limit: the 413 goes out instead of
 * `100 Continue`, so the client never sends the body (Node would otherwise invite it).
 */
export function registerBodyLimit(app: App, bodyLimit: number): void {
  app.server.on("checkContinue", (request: IncomingMessage, response: ServerResponse) => {
    if (declaredLength(request) > bodyLimit) continueWithheld.add(request);
    else response.writeContinue();
    app.server.emit("request", request, response);
  });
}

/**
 * For the error handler: reads and discards the rest of an oversized body, then calls `answer`
 * with the 413 to send (the connection closes after it).
 */
export function answerOnceBodyDiscarded(
  request: FastifyRequest,
  reply: FastifyReply,
  answer: (error: BodyTooLargeError) => unknown,
): void {
  const limit = request.routeOptions.bodyLimit;
  const cap = discardCapBytes(limit);
  reply.header("connection", "close");
  const send = () => answer(new BodyTooLargeError(limit));
  if (continueWithheld.has(request.raw) || declaredLength(request.raw) > cap) {
    send();
    return;
  }
  void discard(request.raw, cap).then((outcome) => {
    if (outcome === "over cap") request.log.info({ capBytes: cap }, "body over the discard cap");
    send();
  });
}

function declaredLength(request: IncomingMessage): number {
  const length = Number(request.headers["content-length"]);
  return Number.isFinite(length) ? length : 0;
}

/** Reads a body to its end without keeping it; stops reading past `cap` bytes. */
function discard(body: IncomingMessage, cap: number): Promise<"read" | "over cap" | "aborted"> {
  return new Promise((resolve) => {
    let bytes = 0;
    let stopWatching = () => {};
    const done = (outcome: "read" | "over cap" | "aborted") => {
      body.off("data", onData);
      stopWatching();
      resolve(outcome);
    };
    const onData = (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > cap) {
        body.pause();
        done("over cap");
      }
    };
    stopWatching = finished(body, (error) => done(error ? "aborted" : "read"));
    body.on("data", onData);
    body.resume();
  });
}

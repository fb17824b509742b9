import { Agent, request } from "node:http";
import { performance } from "node:perf_hooks";

/** How one request ended, from the client's side. */
export type OutcomeKind =
  /** A whole response arrived (any status). */
  | "response"
  /** The connection was reset, hung up or broken after the request was (partly) sent. */
  | "reset"
  /** Nothing listens any more: the connection was refused, nothing was sent. */
  | "refused"
  /** Anything else (a timeout, a protocol error): never expected. */
  | "other";

export interface Outcome {
  readonly kind: OutcomeKind;
  /** performance.now() when the request was started. */
  readonly sentAt: number;
  /** performance.now() when it ended. */
  readonly doneAt: number;
  readonly status?: number;
  /** The response said `Connection: close`. */
  readonly connectionClose?: boolean;
  readonly error?: string;
}

export interface LoadOptions {
  readonly url: string;
  readonly body: string;
  /** Concurrent workers, each on its own keep-alive connection (a new one when it is closed). */
  readonly connections: number;
  /** performance.now() after which no worker starts another request. */
  readonly until: number;
  /** Requests each worker sends at most (default: no limit but `until`). */
  readonly requestsPerWorker?: number;
  /** Per-request timeout. */
  readonly timeoutMs?: number;
}

const RESET_CODES = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED"]);

function classify(error: Error & { code?: string }): OutcomeKind {
  if (error.code === "ECONNREFUSED") return "refused";
  // "socket hang up" is ECONNRESET too; "aborted" is a response cut in the middle.
  if (RESET_CODES.has(error.code ?? "") || /hang up|aborted|other side closed/i.test(error.message))
    return "reset";
  return "other";
}

function post(agent: Agent, options: LoadOptions): Promise<Outcome> {
  const sentAt = performance.now();
  return new Promise((resolve) => {
    const fail = (error: Error & { code?: string }) =>
      resolve({
        kind: classify(error),
        sentAt,
        doneAt: performance.now(),
        error: `${error.code ?? ""} ${error.message}`,
      });
    const req = request(
      options.url,
      {
        method: "POST",
        agent,
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(options.body),
        },
        timeout: options.timeoutMs ?? 15_000,
      },
      (res) => {
        res.on("error", fail);
        res.on("end", () =>
          resolve({
            kind: "response",
            sentAt,
            doneAt: performance.now(),
            status: res.statusCode ?? 0,
            connectionClose: res.headers.connection?.toLowerCase() === "close",
          }),
        );
        res.resume();
      },
    );
    req.on("error", fail);
    req.on("timeout", () => req.destroy(new Error("request timed out")));
    req.end(options.body);
  });
}

/**
 * Sends `body` continuously from `connections` workers, each with its own keep-alive agent of one
 * socket, until `until` (or `requestsPerWorker` requests) or until its connection is refused (the listener is gone, as for a load
 * balancer that has deregistered the pod). Returns every request's outcome.
 */
export async function keepAliveLoad(options: LoadOptions): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  const worker = async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (
        let sent = 0;
        sent < (options.requestsPerWorker ?? Infinity) && performance.now() < options.until;
        sent++
      ) {
        const outcome = await post(agent, options);
        outcomes.push(outcome);
        if (outcome.kind === "refused") break;
      }
    } finally {
      agent.destroy();
    }
  };
  await Promise.all(Array.from({ length: options.connections }, worker));
  return outcomes;
}

export interface Tally {
  readonly ok: number;
  readonly notOk: number;
  readonly resets: number;
  readonly refused: number;
  readonly other: number;
}

export function tally(outcomes: readonly Outcome[]): Tally {
  const count = (test: (o: Outcome) => boolean) => outcomes.filter(test).length;
  const ok = (o: Outcome) => o.kind === "response" && o.status! >= 200 && o.status! < 300;
  return {
    ok: count(ok),
    notOk: count((o) => o.kind === "response" && !ok(o)),
    resets: count((o) => o.kind === "reset"),
    refused: count((o) => o.kind === "refused"),
    other: count((o) => o.kind === "other"),
  };
}

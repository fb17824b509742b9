import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { Server as NetServer, type Socket } from "node:net";

export interface DrainOptions {
  /** How long a connection with no request in progress may stay quiet while draining. */
  readonly idleGraceMs?: number;
  /** How often connections are looked at while draining. */
  readonly checkIntervalMs?: number;
  /** Before the listener closes: how long no connection may have arrived and no response ended. */
  readonly settleMs?: number;
  /** Before the listener closes: the longest it waits for that calm. */
  readonly maxSettleMs?: number;
}

interface Connection {
  /** Responses to requests received on it that have not finished. */
  readonly responses: Set<ServerResponse>;
  /** socket.bytesRead at the last look. */
  bytesRead: number;
  /** When it was last seen busy: accepted, reading, or finishing a response. */
  busyAt: number;
}

/**
 * Shutdown without resetting a request: the HTTP server's connections are drained, not cut.
 *
 * - `start()` (the drain begins): every response from now on, and every response still being
 *   prepared, says `Connection: close`, so each keep-alive connection ends cleanly after its
 *   current response. A connection with no request in progress that stays quiet for
 *   `idleGraceMs` is closed (a keep-alive connection its client no longer uses, or a socket that
 *   never sends a request); the client's next request opens a new connection.
 * - `close()`: the listener stops accepting; every request already received is answered (with
 *   `Connection: close`); it resolves once the last connection has closed.
 * - `hurry()` (a person at a terminal pressed Ctrl-C): no idle grace any more, a connection with no
 *   request in progress closes as soon as it is seen quiet; requests received are still answered.
 *
 * "Quiet" means no request in progress and no byte read since the last look. Whatever reached the
 * socket while the event loop was busy is read before a quiet connection is closed: the check is
 * repeated in a `setImmediate`, which runs after the poll phase that reads pending input.
 *
 * Closing the listener resets the connections the kernel has accepted but the process has not
 * yet taken (Linux answers them RST, after their client has sent its request). So before it
 * closes, no new request is read for a moment (the sockets are paused): the responses in progress
 * end, their clients reconnect and are accepted, and once no connection has arrived and no
 * response has ended for `settleMs` (at most `maxSettleMs`), the listener closes right after a
 * poll phase, with nobody left in its queue. Then reading resumes and the requests that wait are
 * answered.
 *
 * Why not a library: http-terminator, stoppable (and @godaddy/terminus, built on it) end or
 * destroy every connection with no request in progress the moment they start, then call
 * `http.Server#close()`, which on Node ≥ 19 runs `closeIdleConnections()` itself. Both cut a
 * socket accepted a moment ago whose request has not been parsed yet, and a keep-alive socket its
 * client is reusing right now: those are the resets this module exists to avoid. Fastify's
 * `close()` has the same `http.Server#close()` underneath, and by default answers 503 to requests
 * that still arrive on open connections. So the listener is closed with `net.Server#close()`
 * (stop accepting, call back when the last connection is gone) and idle connections are closed
 * here, only once they are quiet.
 *
 * HTTP/1.1 pipelining is not drained: requests pipelined behind the one answered with
 * `Connection: close` are dropped, as RFC 9112 §9.6 allows (the client retries them).
 */
export class ConnectionDrain {
  private readonly connections = new Map<Socket, Connection>();
  /** Zero once hurried: quiet connections close at the next look. */
  private idleGraceMs: number;
  private readonly checkIntervalMs: number;
  private readonly settleMs: number;
  private readonly maxSettleMs: number;
  private draining = false;
  /** The listener is about to close: connections arriving now are not read from yet. */
  private settling = false;
  private readonly paused = new Set<Socket>();
  /** When a connection last arrived or a response last ended. */
  private stirredAt = 0;
  private checker: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly server: Server,
    options: DrainOptions = {},
  ) {
    this.idleGraceMs = options.idleGraceMs ?? 1000;
    this.checkIntervalMs = options.checkIntervalMs ?? 100;
    this.settleMs = options.settleMs ?? 100;
    this.maxSettleMs = options.maxSettleMs ?? 1000;
    server.on("connection", (socket: Socket) => this.track(socket));
    // Before the application's listener, so the header is there whatever answers the request.
    server.prependListener("request", (request: IncomingMessage, response: ServerResponse) =>
      this.received(request, response),
    );
  }

  /** net.Server reads its pauseOnConnect option for every connection it accepts. */
  private get listener(): NetServer & { pauseOnConnect: boolean } {
    return this.server as unknown as NetServer & { pauseOnConnect: boolean };
  }

  get isDraining(): boolean {
    return this.draining;
  }

  /** Every response says `Connection: close` from now on; quiet connections are closed. */
  start(): void {
    if (this.draining) return;
    this.draining = true;
    for (const connection of this.connections.values()) {
      for (const response of connection.responses) closeAfter(response);
    }
    this.checker = setInterval(() => this.closeQuiet(), this.checkIntervalMs);
  }

  /**
   * Drops the idle grace: from now on (and from start() on) a connection with no request in
   * progress and nothing read since the last look is closed at once. What a client sends at that
   * very moment may be reset; a request already received never is.
   */
  hurry(): void {
    this.idleGraceMs = 0;
    if (this.draining) this.closeQuiet();
  }

  /**
   * Stops accepting connections (starting the drain if it has not started) and resolves once
   * every connection has closed: requests already received are answered first.
   */
  close(): Promise<void> {
    this.start();
    this.closing ??= this.settle().then(
      () =>
        new Promise<void>((resolve) => {
          // Not http.Server#close(): it would destroy every connection without a parsed request.
          NetServer.prototype.close.call(this.server, () => {
            clearInterval(this.checker);
            resolve();
          });
          this.settling = false;
          this.listener.pauseOnConnect = false;
          const now = performance.now();
          for (const connection of this.connections.values()) connection.busyAt = now;
          for (const socket of this.paused) socket.resume();
          this.paused.clear();
        }),
    );
    return this.closing;
  }

  /**
   * Leaves new connections unread and waits for calm; resolves in the check phase, right after a
   * poll phase has accepted whatever was in the queue.
   */
  private settle(): Promise<void> {
    this.settling = true;
    this.listener.pauseOnConnect = true;
    this.stirredAt = performance.now();
    const deadline = this.stirredAt + this.maxSettleMs;
    return new Promise((resolve) => {
      const look = () => {
        const now = performance.now();
        if (now - this.stirredAt >= this.settleMs || now >= deadline) setImmediate(resolve);
        else setTimeout(look, 10);
      };
      look();
    });
  }

  private track(socket: Socket): void {
    const now = performance.now();
    this.stirredAt = now;
    this.connections.set(socket, {
      responses: new Set(),
      bytesRead: socket.bytesRead,
      busyAt: now,
    });
    socket.once("close", () => this.connections.delete(socket));
    if (this.settling) this.paused.add(socket); // created paused (pauseOnConnect)
  }

  private received(request: IncomingMessage, response: ServerResponse): void {
    if (this.draining) closeAfter(response);
    const connection = this.connections.get(request.socket);
    if (connection === undefined) return;
    connection.responses.add(response);
    response.once("close", () => {
      connection.responses.delete(response);
      connection.busyAt = this.stirredAt = performance.now();
    });
  }

  private closeQuiet(): void {
    // Sockets left unread would all look quiet.
    if (this.settling) return;
    const now = performance.now();
    const quiet: Socket[] = [];
    for (const [socket, connection] of this.connections) {
      if (connection.responses.size > 0 || socket.bytesRead !== connection.bytesRead) {
        connection.bytesRead = socket.bytesRead;
        connection.busyAt = now;
      } else if (now - connection.busyAt >= this.idleGraceMs) {
        quiet.push(socket);
      }
    }
    if (quiet.length === 0) return;
    // Input that arrived while the event loop was busy is read in the poll phase before this runs.
    setImmediate(() => {
      for (const socket of quiet) {
        const connection = this.connections.get(socket);
        if (
          !this.settling &&
          connection?.responses.size === 0 &&
          socket.bytesRead === connection.bytesRead
        ) {
          socket.destroy();
        }
      }
    });
  }
}

function closeAfter(response: ServerResponse): void {
  if (!response.headersSent) response.setHeader("connection", "close");
}

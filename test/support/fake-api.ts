import { once } from "node:events";
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import {
  createServer as createNetServer,
  type AddressInfo,
  type Server,
  type Socket,
} from "node:net";

/** A loopback HTTP server standing in for the GCS JSON API; counts the requests it gets. */
export interface FakeApi {
  readonly endpoint: string;
  readonly requests: string[];
  close(): Promise<void>;
}

export type Respond = (request: IncomingMessage, response: ServerResponse, count: number) => void;

export async function startFakeApi(respond: Respond): Promise<FakeApi> {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    respond(request, response, requests.length);
  });
  return {
    endpoint: await listenOnLoopback(server),
    requests,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
}

export function unavailable(response: ServerResponse): void {
  sendJson(response, 503, { error: { code: 503, message: "backend unavailable" } });
}

/** Passes a request on to `target` (e.g. fake-gcs-server) and its answer back. */
export function forward(target: string, request: IncomingMessage, response: ServerResponse): void {
  const upstream = httpRequest(
    new URL(request.url ?? "/", target),
    { method: request.method, headers: { ...request.headers, host: new URL(target).host } },
    (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    },
  );
  upstream.on("error", (error) => response.destroy(error));
  request.pipe(upstream);
}

/** A TCP server that accepts connections and never says a word; remembers their sockets. */
export interface SilentServer {
  readonly endpoint: string;
  readonly sockets: Socket[];
  /**
   * Connections a request was sent on. Not `sockets.length`: fetch's pool may open a spare
   * connection that never carries a request.
   */
  readonly requests: () => number;
  close(): void;
}

export async function startSilentServer(): Promise<SilentServer> {
  const sockets: Socket[] = [];
  let requests = 0;
  const server = createNetServer((socket) => {
    sockets.push(socket);
    socket.once("data", () => requests++);
  });
  return {
    endpoint: await listenOnLoopback(server),
    sockets,
    requests: () => requests,
    close() {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

/** Listens on a free 127.0.0.1 port; returns "http://127.0.0.1:<port>". */
export async function listenOnLoopback(server: Server): Promise<string> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

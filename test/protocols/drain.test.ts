import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type RequestListener } from "node:http";
import { connect as netConnect, type AddressInfo, type Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, it } from "node:test";
import { ConnectionDrain } from "../../src/protocols/drain.js";

const TIMINGS = { idleGraceMs: 200, checkIntervalMs: 20, settleMs: 50, maxSettleMs: 500 };

async function serve(
  handler: RequestListener = (_, response) => response.end("ok"),
  timings: typeof TIMINGS = TIMINGS,
) {
  const server = createServer(handler);
  const drain = new ConnectionDrain(server, timings);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return { server, drain, port };
}

/** A raw connection, so that when the request bytes are sent is ours to choose. */
async function connect(port: number): Promise<Socket> {
  const socket = netConnect(port, "127.0.0.1");
  await once(socket, "connect");
  return socket;
}

interface Answer {
  readonly status: number;
  readonly connection: string | undefined;
}

/** Sends one GET and reads one response (the test servers answer with a Content-Length). */
function exchange(socket: Socket, path = "/"): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let received = "";
    const onData = (chunk: Buffer) => {
      received += chunk.toString("latin1");
      const end = received.indexOf("\r\n\r\n");
      if (end < 0) return;
      const head = received.slice(0, end).split("\r\n");
      const header = (name: string) =>
        head
          .find((line) => line.toLowerCase().startsWith(`${name}:`))
          ?.slice(name.length + 1)
          .trim();
      if (received.length < end + 4 + Number(header("content-length") ?? 0)) return;
      socket.off("data", onData).off("error", reject);
      resolve({ status: Number(head[0]!.split(" ")[1]), connection: header("connection") });
    };
    socket.on("data", onData).once("error", reject);
    socket.write(`GET ${path} HTTP/1.1\r\nHost: test\r\n\r\n`);
  });
}

/** A server whose handler answers after 150 ms, and a request it has received. */
async function requestInProgress() {
  const served = await serve((_, response) => {
    setTimeout(() => response.end("slow"), 150);
  });
  const socket = await connect(served.port);
  const answer = exchange(socket);
  await once(served.server, "request");
  return { ...served, socket, answer };
}

/** Resolves when the server has closed the connection cleanly (FIN, no reset). */
async function closedCleanly(socket: Socket): Promise<void> {
  const errors: Error[] = [];
  socket.on("error", (error) => errors.push(error));
  socket.resume();
  if (!socket.destroyed) await once(socket, "close");
  assert.deepEqual(errors, [], "closed without an error");
}

async function refused(port: number): Promise<boolean> {
  try {
    (await connect(port)).destroy();
    return false;
  } catch (error) {
    return (error as { code?: string }).code === "ECONNREFUSED";
  }
}

describe("connection drain", () => {
  it("says Connection: close from the drain on, and ends the connection after that response", async () => {
    const { drain, port } = await serve();
    const socket = await connect(port);
    assert.equal((await exchange(socket)).connection, "keep-alive");
    drain.start();
    assert.deepEqual(await exchange(socket), { status: 200, connection: "close" });
    await closedCleanly(socket);
    await drain.close();
  });

  it("says Connection: close on a response still being prepared when the drain starts", async () => {
    const { drain, socket, answer } = await requestInProgress();
    drain.start();
    assert.deepEqual(await answer, { status: 200, connection: "close" });
    await closedCleanly(socket);
    await drain.close();
  });

  it("closes a keep-alive connection left idle while draining, and not before", async () => {
    const { drain, port } = await serve();
    const socket = await connect(port);
    await exchange(socket);
    await sleep(TIMINGS.idleGraceMs * 2);
    assert.equal(socket.destroyed, false, "idle connections stay open while serving");
    drain.start();
    await closedCleanly(socket);
    await drain.close();
  });

  it(
    "hurried, closes an idle connection without waiting for the grace, and still answers the request in progress",
    {
      timeout: 20_000,
    },
    async (t) => {
      // A grace this test does not outlive: only hurry() can close the idle connection in time.
      const { server, drain, port } = await serve(
        (request, response) =>
          setTimeout(() => response.end("ok"), request.url === "/slow" ? 150 : 0),
        { ...TIMINGS, idleGraceMs: 600_000 },
      );
      server.keepAliveTimeout = 0; // nor may Node's own idle timeout close it
      const idle = await connect(port);
      const busy = await connect(port);
      // Also after a timeout: nothing may keep the test process alive.
      t.after(() => {
        idle.destroy();
        busy.destroy();
        server.closeAllConnections();
        server.close();
      });
      await exchange(idle);
      const answer = exchange(busy, "/slow");
      await once(server, "request");
      drain.hurry();
      const closing = drain.close();
      await closedCleanly(idle);
      assert.deepEqual(await answer, { status: 200, connection: "close" });
      await closedCleanly(busy);
      await closing;
    },
  );

  it("answers a request whose bytes arrive after close() began, on a connection accepted before", async () => {
    const { server, drain, port } = await serve();
    const accepted = once(server, "connection");
    const socket = await connect(port);
    await accepted;
    const closing = drain.close();
    await sleep(30);
    assert.deepEqual(await exchange(socket), { status: 200, connection: "close" });
    await closedCleanly(socket);
    await closing;
    assert.equal(await refused(port), true, "the listener is closed");
  });

  it("closes a connection that never sends a request after the grace, and then close() resolves", async () => {
    const { drain, port } = await serve();
    const socket = await connect(port);
    const started = performance.now();
    await Promise.all([drain.close(), closedCleanly(socket)]);
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= TIMINGS.idleGraceMs, `waited the grace (${elapsed} ms)`);
    assert.ok(
      elapsed < TIMINGS.maxSettleMs + TIMINGS.idleGraceMs + 2000,
      `bounded (${elapsed} ms)`,
    );
  });

  it("answers the request in progress at close(), then refuses connections", async () => {
    const { drain, port, answer } = await requestInProgress();
    const closing = drain.close();
    assert.deepEqual(await answer, { status: 200, connection: "close" });
    await closing;
    assert.equal(await refused(port), true);
  });

  it("reads a connection that arrives while the listener is about to close only once it is closed, and answers it", async () => {
    let listeningWhenRead: boolean | undefined;
    const { server, drain, port } = await serve((_, response) => {
      listeningWhenRead = server.listening;
      response.end("ok");
    });
    const closing = drain.close();
    const late = await connect(port);
    const answer = exchange(late);
    assert.deepEqual(await answer, { status: 200, connection: "close" });
    assert.equal(listeningWhenRead, false, "its request was read after the listener closed");
    await closedCleanly(late);
    await closing;
  });

  it("keeps the listener open until close()", async () => {
    const { drain, port } = await serve();
    drain.start();
    assert.equal(drain.isDraining, true);
    const socket = await connect(port);
    assert.deepEqual(await exchange(socket), { status: 200, connection: "close" });
    await drain.close();
  });
});

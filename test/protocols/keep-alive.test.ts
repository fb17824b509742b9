import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { after, describe, it } from "node:test";
import { buildTestApp, listenOnLoopback } from "../support/app.js";
import { RawConnection } from "../support/raw-connection.js";
import type { App } from "../../src/protocols/fastify.js";

/** The idle time after which Google's external Application Load Balancer drops a connection. */
const LOAD_BALANCER_KEEP_ALIVE_MS = 600_000;

const apps: App[] = [];
after(() => Promise.all(apps.map((app) => app.close())));

async function listening(env: Record<string, string> = {}): Promise<{ app: App; port: number }> {
  const { app } = await buildTestApp({ model: null, env });
  apps.push(app);
  const { port } = await listenOnLoopback(app);
  return { app, port };
}

describe("keep-alive and request timeouts on the listener", () => {
  it("by default keeps an idle connection 620 s, past the load balancer's 600 s; headers 60 s ≤ request 120 s", async () => {
    const { app } = await listening();
    assert.equal(app.server.keepAliveTimeout, 620_000);
    assert.ok(app.server.keepAliveTimeout > LOAD_BALANCER_KEEP_ALIVE_MS);
    assert.equal(app.server.headersTimeout, 60_000);
    assert.equal(app.server.requestTimeout, 120_000);
    assert.ok(app.server.headersTimeout <= app.server.requestTimeout);
  });

  it("an idle keep-alive connection outlives the headers and request timeouts, is reused, and closes once the keep-alive timeout has passed", async () => {
    const keepAliveMs = 1000;
    const { app, port } = await listening({
      KEEP_ALIVE_TIMEOUT_SECONDS: String(keepAliveMs / 1000),
      HEADERS_TIMEOUT_SECONDS: "0.2",
      REQUEST_TIMEOUT_SECONDS: "0.3",
    });
    assert.equal(app.server.keepAliveTimeout, keepAliveMs);
    assert.equal(app.server.headersTimeout, 200);
    assert.equal(app.server.requestTimeout, 300);

    const connection = await RawConnection.open(port);
    assert.equal(await connection.get("/health/live"), "HTTP/1.1 200 OK");
    // Idle for four headers timeouts (checked every 100 ms), but less than the keep-alive one.
    await sleep(800);
    assert.ok(connection.isOpen, "the idle connection was closed before its keep-alive timeout");
    // What the load balancer does with a pooled connection: send the next request on it.
    assert.equal(await connection.get("/health/live"), "HTTP/1.1 200 OK");
    const idleFrom = performance.now();
    await connection.closed;
    assert.ok(connection.endedByServer, "the server, not the client, ends the idle connection");
    const idleMs = performance.now() - idleFrom;
    assert.ok(idleMs >= keepAliveMs, `closed after ${idleMs} ms, before the keep-alive timeout`);
  });

  it("a request whose headers do not arrive within the headers timeout is answered 408 and closed", async () => {
    const { port } = await listening({
      HEADERS_TIMEOUT_SECONDS: "0.2",
      REQUEST_TIMEOUT_SECONDS: "0.3",
    });
    const connection = await RawConnection.open(port);
    connection.write("GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n"); // never finished
    await connection.closed;
    assert.match(connection.text(), /^HTTP\/1\.1 408 /);
    connection.destroy();
  });
});

import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, it } from "node:test";
import { keepAliveLoad, tally, type Outcome, type Tally } from "../support/keep-alive-load.js";
import { exitOf, freePort, startServer, waitFor } from "../support/server-process.js";

/**
 * The real process under load on keep-alive connections, then a signal. A reset (ECONNRESET,
 * EPIPE, "socket hang up") is a request lost; a refused connection after the listener has closed
 * sent nothing (a load balancer that has deregistered the pod) and is counted apart.
 */
const CONNECTIONS = 32;
const PREDICT_BODY = JSON.stringify({ instances: [{}] });
const MAX_BATCH_SIZE = 1000;

async function readyServer(env: Record<string, string>) {
  const port = await freePort();
  const server = startServer({
    PORT: String(port),
    METRICS_PORT: "0",
    LOG_LEVEL: "warn",
    MAX_BATCH_SIZE: String(MAX_BATCH_SIZE),
    ...env,
  });
  const base = `http://127.0.0.1:${port}`;
  await waitFor(
    () =>
      fetch(`${base}/health/ready`).then(
        (response) => response.status === 200,
        () => false,
      ),
    "readiness",
  );
  return { ...server, base };
}

function predictLoad(base: string): Promise<Outcome[]> {
  return keepAliveLoad({
    url: `${base}/predict`,
    body: PREDICT_BODY,
    connections: CONNECTIONS,
    until: performance.now() + 20_000,
  });
}

const sentBetween = (outcomes: readonly Outcome[], from: number, to: number) =>
  outcomes.filter((o) => o.sentAt >= from && o.sentAt < to);

function assertNothingLost(all: Tally): void {
  assert.equal(all.resets, 0, "no request was reset");
  assert.equal(all.notOk, 0, "no request was answered with a non-2xx status");
  assert.equal(all.other, 0, "no request failed otherwise");
  assert.ok(all.refused <= CONNECTIONS, "each worker stops at its first refused connection");
}

describe("shutdown under keep-alive load", () => {
  it("SIGTERM: serves through the drain with Connection: close, resets nothing, exits 0", async () => {
    const drainMs = 2000;
    const { child, base, output } = await readyServer({
      DRAIN_SECONDS: String(drainMs / 1000),
      SHUTDOWN_TIMEOUT_SECONDS: "20",
    });
    try {
      const load = predictLoad(base);
      await sleep(1000);
      const signalledAt = performance.now();
      child.kill("SIGTERM");
      const outcomes = await load;
      const code = await exitOf(child);

      const all = tally(outcomes);
      const before = tally(sentBetween(outcomes, 0, signalledAt));
      // Well inside the drain: the signal has been handled, the listener is still open.
      const draining = sentBetween(outcomes, signalledAt + 300, signalledAt + drainMs - 300);
      const during = tally(draining);
      console.log(JSON.stringify({ signal: "SIGTERM", all, before, during }));
      assertNothingLost(all);
      assert.ok(before.ok >= 100, `served before the signal (${before.ok})`);
      assert.ok(during.ok >= 100, `served during the drain (${during.ok})`);
      assert.ok(
        draining.every((o) => o.connectionClose === true),
        "every response during the drain says Connection: close",
      );
      assert.equal(code, 0, output());
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("SIGINT (twice, as npm start delivers one Ctrl-C): no drain wait, answers what is in progress, exits 0", async () => {
    const drainSeconds = 30;
    const { child, base, output } = await readyServer({
      DRAIN_SECONDS: String(drainSeconds),
      SHUTDOWN_TIMEOUT_SECONDS: "60",
    });
    try {
      const load = predictLoad(base);
      await sleep(1000);
      // Four full batches of explanations: hundreds of milliseconds of work in progress.
      const explaining = keepAliveLoad({
        url: `${base}/explain`,
        body: JSON.stringify({ instances: Array.from({ length: MAX_BATCH_SIZE }, () => ({})) }),
        connections: 4,
        requestsPerWorker: 1,
        until: Infinity,
      });
      await sleep(50);
      const signalledAt = performance.now();
      child.kill("SIGINT");
      // npm's copy arrives a moment later (two SIGINTs at once would merge into one).
      await sleep(200);
      child.kill("SIGINT");
      const [outcomes, explained] = await Promise.all([load, explaining]);
      const code = await exitOf(child);
      const exitedAt = performance.now();

      const all = tally(outcomes);
      console.log(
        JSON.stringify({
          signal: "SIGINT",
          all,
          explained: tally(explained),
          explainedAfterSignal: explained.filter((o) => o.doneAt > signalledAt).length,
          exitSeconds: (exitedAt - signalledAt) / 1000,
        }),
      );
      assertNothingLost(all);
      assert.deepEqual(
        explained.map((o) => o.status),
        [200, 200, 200, 200],
        "the explanations in progress are answered",
      );
      assert.ok(
        explained.some((o) => o.doneAt > signalledAt),
        "some explanation was still in progress at the signal",
      );
      assert.ok(exitedAt - signalledAt < 10_000, "no drain wait");
      assert.equal(code, 0, output());
    } finally {
      child.kill("SIGKILL");
    }
  });
});

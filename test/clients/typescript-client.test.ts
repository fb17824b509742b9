import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { after, before, describe, it } from "node:test";
import {
  LeadScoringError,
  createClient,
  type Instance,
  type LeadScoringClient,
} from "../../clients/typescript/src/index.js";
import type { PredictionLog } from "../../src/monitoring/prediction-log/prediction-log.js";
import type { OutcomeRecord } from "../../src/monitoring/prediction-log/record.js";
import { builtInGolden, buildTestApp, listenOnLoopback, type TestApp } from "../support/app.js";
import {
  forward,
  sendJson,
  startFakeApi,
  startSilentServer,
  type FakeApi,
  type Respond,
} from "../support/fake-api.js";
import { MemorySink, memoryPredictionLog } from "../support/memory-prediction-log.js";

/** The LeadScoringError `call` rejects with; fails the test if it resolves or rejects otherwise. */
async function failure(call: Promise<unknown>): Promise<LeadScoringError> {
  const error: unknown = await call.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  assert.ok(error instanceof LeadScoringError, `a LeadScoringError, got ${String(error)}`);
  return error;
}

describe("TypeScript client against the running service", () => {
  let t: TestApp;
  let url: string;
  let log: PredictionLog;
  const sink = new MemorySink();
  const golden = builtInGolden();
  const instances = golden.rows.slice(0, 3).map((row) => row.instance as Instance);
  const fakes: FakeApi[] = [];

  before(async () => {
    log = memoryPredictionLog(sink);
    t = await buildTestApp({ predictionLog: log });
    ({ url } = await listenOnLoopback(t.app));
  });
  after(async () => {
    await Promise.all(fakes.map((fake) => fake.close()));
    await t.app.close();
  });

  /** A loopback server in front of the service: `respond` decides, per request, what it does. */
  async function inFront(respond: Respond): Promise<FakeApi & { ids: string[] }> {
    const ids: string[] = [];
    const fake = await startFakeApi((request, response, count) => {
      ids.push(String(request.headers["x-request-id"]));
      respond(request, response, count);
    });
    fakes.push(fake);
    return { ...fake, ids };
  }
  const passOn = (request: IncomingMessage, response: Parameters<Respond>[1]) =>
    forward(url, request, response);

  it("predict: the golden rows score as XGBoost scored them, ids echoed", async () => {
    const client = createClient({ baseUrl: url });
    const answer = await client.predict(
      instances.map((instance, i) => ({ ...instance, lead_id: `C-${i}` })),
    );
    assert.equal(answer.model, t.dataPlane.model().name);
    assert.deepEqual(answer.leadIds, ["C-0", "C-1", "C-2"]);
    answer.predictions.forEach((prediction, i) => {
      assert.equal(typeof prediction, "number");
      const expected = golden.rows[i]!.prediction;
      assert.ok(
        Math.abs((prediction as number) - expected) <= golden.tolerance,
        `instance ${i}: ${JSON.stringify(prediction)} vs golden ${expected}`,
      );
    });
    const labelled = await client.predict(instances, { threshold: 0.5 });
    assert.deepEqual(
      labelled.predictions.map((p) => typeof p === "object" && p.label),
      golden.rows.slice(0, 3).map((row) => (row.prediction >= 0.5 ? 1 : 0)),
    );
  });

  it("explain: one explanation per instance whose attributions add up", async () => {
    const client = createClient({ baseUrl: url });
    const answer = await client.explain(instances);
    assert.equal(answer.explanations.length, instances.length);
    for (const { attributions } of answer.explanations) {
      const [first] = attributions;
      assert.ok(first !== undefined);
      const total = Object.values(first.featureAttributions).reduce((a, b) => a + b, 0);
      assert.ok(
        Math.abs(first.baselineOutputValue + total - first.instanceOutputValue) < 1e-4,
        JSON.stringify(first),
      );
    }
  });

  it("feedback: outcomes reach the prediction log with the client's request id", async () => {
    const client = createClient({ baseUrl: url });
    const answer = await client.feedback(
      [{ lead_id: "C-0", converted: true, observed_at: "2026-12-01T09:00:00Z" }],
      { requestId: "client-feedback-1" },
    );
    assert.deepEqual(answer, { accepted: 1 });
    await log.flush();
    const outcomes = sink.records.filter(
      (record): record is OutcomeRecord => record.kind === "outcome",
    );
    assert.deepEqual(
      outcomes.map((r) => [r.lead_id, r.converted, r.request_id]),
      [["C-0", true, "client-feedback-1"]],
    );
  });

  it("health and typed requests to the KServe V1 and V2 paths", async () => {
    const client = createClient({ baseUrl: url });
    assert.deepEqual(await client.health(), { status: "ready" });
    const name = t.dataPlane.model().name;
    const v1 = await client.request("post", "/v1/models/{name}:predict", {
      params: { name },
      body: { instances },
    });
    assert.equal(v1.predictions.length, instances.length);
    const v1Metadata = await client.request("get", "/v1/models/{name}", { params: { name } });
    assert.equal(v1Metadata.name, name);
    const version = v1.modelVersion;
    const ready = await client.request("get", "/v2/models/{name}/versions/{version}/ready", {
      params: { name, version },
    });
    assert.deepEqual(ready, { ready: true });
  });

  it("predictEach: one result per instance, an error object where that instance alone fails", async () => {
    const client = createClient({ baseUrl: url });
    const bad = { lead_origin: 42 } as unknown as Instance;
    const answer = await client.predictEach([instances[0]!, bad, instances[1]!]);
    assert.equal(answer.predictions.length, 3);
    const [first, failed, third] = answer.predictions;
    assert.equal(typeof first, "number");
    assert.equal(typeof third, "number");
    assert.ok(typeof failed === "object" && "code" in failed, JSON.stringify(failed));
    assert.equal(failed.code, "INVALID_INPUT");
    const alone = await failure(client.predict([bad]));
    assert.equal(failed.error, alone.message, "the error that instance alone gets");
  });

  it("bad input: LeadScoringError with the status, the service's code and the request id", async () => {
    const client = createClient({ baseUrl: url });
    const error = await failure(
      // A field the model does not have: the typed client refuses it at compile time too.
      client.predict([{ shoe_size: 44 } as Instance], undefined, { requestId: "client-bad-1" }),
    );
    assert.equal(error.status, 400);
    assert.equal(error.code, "INVALID_INPUT");
    assert.match(error.message, /field "shoe_size": unknown field/);
    assert.equal(error.requestId, "client-bad-1");
    assert.equal(error.attempts, 1, "a 400 is not retried");
    const missing = await failure(
      client.request("get", "/v1/models/{name}", { params: { name: "no-such-model" } }),
    );
    assert.deepEqual([missing.status, missing.code], [404, "MODEL_NOT_FOUND"]);
  });

  it("503 with Retry-After: waits as long as asked, then the same call succeeds", async () => {
    const sent: number[] = [];
    const proxy = await inFront((request, response, count) => {
      sent.push(performance.now());
      if (count > 1) return passOn(request, response);
      response.setHeader("retry-after", "1");
      sendJson(response, 503, { error: "overloaded", code: "OVERLOADED" });
    });
    const client = createClient({ baseUrl: proxy.endpoint });
    const answer = await client.predict(instances);
    assert.equal(answer.predictions.length, instances.length);
    assert.equal(proxy.requests.length, 2);
    assert.equal(new Set(proxy.ids).size, 1, "both attempts carry the same X-Request-Id");
    // A lower bound only: the client may never come back before Retry-After has passed.
    assert.ok(sent[1]! - sent[0]! >= 990, `retried after ${sent[1]! - sent[0]!} ms`);
  });

  it("429 whose Retry-After (an HTTP date) is beyond the time budget: fails at once with retryAfter", async () => {
    const proxy = await inFront((_request, response) => {
      response.setHeader("retry-after", new Date(Date.now() + 120_000).toUTCString());
      sendJson(response, 429, { error: "over quota", code: "RATE_LIMITED" });
    });
    const client = createClient({ baseUrl: proxy.endpoint, totalTimeMs: 10_000 });
    const error = await failure(client.predict(instances));
    assert.deepEqual([error.status, error.code, error.attempts], [429, "RATE_LIMITED", 1]);
    assert.ok(error.retryAfter !== undefined && error.retryAfter > 100, String(error.retryAfter));
  });

  it("a dropped connection: predict is retried, feedback is not (it may have been recorded)", async () => {
    const dropFirst: Respond = (request, response, count) =>
      count === 1 ? response.socket?.destroy() : passOn(request, response);
    const forPredict = await inFront(dropFirst);
    const predicted = await createClient({ baseUrl: forPredict.endpoint }).predict(instances);
    assert.equal(predicted.predictions.length, instances.length);
    assert.equal(forPredict.requests.length, 2);

    const forFeedback = await inFront(dropFirst);
    const error = await failure(
      createClient({ baseUrl: forFeedback.endpoint }).feedback([
        { lead_id: "C-1", converted: false, observed_at: "2026-12-01T09:00:00Z" },
      ]),
    );
    assert.deepEqual([error.code, error.status, error.attempts], ["NETWORK_ERROR", undefined, 1]);
    assert.equal(forFeedback.requests.length, 1);
  });

  it("timeout: a service that never answers fails each attempt with TIMEOUT", async () => {
    const silent = await startSilentServer();
    try {
      const client = createClient({ baseUrl: silent.endpoint, timeoutMs: 200, retries: 1 });
      const error = await failure(client.predict(instances));
      assert.deepEqual([error.code, error.status, error.attempts], ["TIMEOUT", undefined, 2]);
      assert.equal(silent.requests(), 2, "the timed-out attempt was retried once");
    } finally {
      silent.close();
    }
  });

  it("nothing listening: NETWORK_ERROR saying why, after the retries", async () => {
    const closed = await startFakeApi(() => undefined);
    await closed.close();
    const client = createClient({ baseUrl: closed.endpoint, retries: 1 });
    const error = await failure(client.predict(instances));
    assert.deepEqual([error.code, error.status, error.attempts], ["NETWORK_ERROR", undefined, 2]);
    assert.match(error.message, /ECONNREFUSED/);
  });

  it("refuses settings that would make every call fail or never end", () => {
    for (const options of [
      { baseUrl: "localhost:8080" },
      { baseUrl: "/relative" },
      { baseUrl: url, retries: -1 },
      { baseUrl: url, retries: 1.5 },
      { baseUrl: url, timeoutMs: 0 },
      { baseUrl: url, totalTimeMs: Number.POSITIVE_INFINITY },
    ]) {
      assert.throws(() => createClient(options), TypeError, JSON.stringify(options));
    }
  });

  it("the caller's AbortSignal ends the call, retries included", async () => {
    const proxy = await inFront((_request, response) => {
      response.setHeader("retry-after", "30");
      sendJson(response, 503, { error: "not ready", code: "NOT_READY" });
    });
    const client = createClient({ baseUrl: proxy.endpoint, totalTimeMs: 60_000 });
    const controller = new AbortController();
    const call = client.predict(instances, undefined, { signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 100));
    controller.abort(new Error("caller gave up"));
    await assert.rejects(call, /caller gave up/);
  });
});

/**
 * Compile-time checks, run by `tsc --noEmit` (never called): the request types follow the
 * document, so a wrong path, a missing path parameter or a malformed body does not compile.
 */
export function requestTypesFollowTheDocument(client: LeadScoringClient): void {
  // @ts-expect-error the path needs its {name}
  void client.request("post", "/v1/models/{name}:predict", { body: { instances: [] } });
  // @ts-expect-error not a path of the document
  void client.request("get", "/v3/models", {});
  // @ts-expect-error /predict takes POST only
  void client.request("get", "/predict", {});
  // @ts-expect-error an outcome needs converted and observed_at
  void client.feedback([{ lead_id: "L-1" }]);
  // @ts-expect-error threshold is a number
  void client.predict([{ total_visits: 5 }], { threshold: "high" });
}

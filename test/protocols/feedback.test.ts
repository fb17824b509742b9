import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { PredictionLog } from "../../src/monitoring/prediction-log/prediction-log.js";
import type {
  OutcomeRecord,
  PredictionRecord,
} from "../../src/monitoring/prediction-log/record.js";
import { builtInGolden, buildTestApp, type TestApp } from "../support/app.js";
import { MemorySink, memoryPredictionLog } from "../support/memory-prediction-log.js";

interface ErrorBody {
  error: string;
  code: string;
}

describe("POST /feedback", () => {
  let t: TestApp;
  let log: PredictionLog;
  const sink = new MemorySink();
  const observed_at = "2026-11-30T09:15:00Z";

  before(async () => {
    log = memoryPredictionLog(sink);
    t = await buildTestApp({ env: { MAX_BATCH_SIZE: "10" }, predictionLog: log });
  });
  after(() => t.app.close());

  const post = (payload: unknown, headers: Record<string, string> = {}) =>
    t.app.inject({ method: "POST", url: "/feedback", payload: payload as object, headers });
  const records = () => sink.records;
  const metric = async (result: string) =>
    (await t.metrics.feedbackOutcomes.get()).values.find((v) => v.labels.result === result)
      ?.value ?? 0;

  it("queues a batch of outcomes (202) and appends them to the prediction log's sink", async () => {
    const response = await post(
      {
        outcomes: [
          { lead_id: "L-1", converted: true, observed_at },
          { lead_id: "L-2", converted: false, observed_at, model_version: "1.0.0" },
        ],
      },
      { "x-request-id": "fb-1" },
    );
    assert.equal(response.statusCode, 202, response.body);
    assert.deepEqual(response.json(), { accepted: 2 });
    await log.flush();
    const outcomes = records().filter((r): r is OutcomeRecord => r.kind === "outcome");
    assert.deepEqual(
      outcomes.map((r) => [r.lead_id, r.converted, r.observed_at, r.model_version, r.request_id]),
      [
        ["L-1", true, observed_at, null, "fb-1"],
        ["L-2", false, observed_at, "1.0.0", "fb-1"],
      ],
    );
    assert.equal(await metric("accepted"), 2);
  });

  it("predictions with a lead id and the outcome for it land in the same sink, joinable", async () => {
    const instance = { ...builtInGolden().rows[0]!.instance, lead_id: "L-join" };
    const scored = await t.app.inject({
      method: "POST",
      url: "/predict",
      payload: { instances: [instance] },
    });
    assert.equal(scored.statusCode, 200, scored.body);
    await post({ outcomes: [{ lead_id: "L-join", converted: true, observed_at }] });
    await log.flush();
    const prediction = records().find(
      (r): r is PredictionRecord => r.kind === "prediction" && r.lead_id === "L-join",
    );
    assert.ok(prediction);
    assert.ok(!("lead_id" in (prediction.fields ?? {})), "the id is not logged as a feature");
    assert.ok(records().some((r) => r.kind === "outcome" && r.lead_id === "L-join"));
  });

  const rejects = async (payload: unknown, pattern: RegExp, status = 400) => {
    const response = await post(payload);
    assert.equal(response.statusCode, status, response.body);
    assert.match(response.json<ErrorBody>().error, pattern);
  };

  it("rejects malformed outcomes with a 400 naming the problem, and counts them", async () => {
    const before = await metric("rejected");
    await rejects({}, /outcomes/);
    await rejects({ outcomes: [] }, /outcomes/);
    await rejects({ outcomes: [{ lead_id: "L", converted: "yes", observed_at }] }, /converted/);
    await rejects({ outcomes: [{ lead_id: "L", converted: true }] }, /observed_at/);
    await rejects(
      { outcomes: [{ lead_id: "L", converted: true, observed_at: "last tuesday" }] },
      /observed_at/,
    );
    await rejects({ outcomes: [{ lead_id: "", converted: true, observed_at }] }, /lead_id/);
    await rejects(
      { outcomes: [{ lead_id: "L", converted: true, observed_at, score: 1 }] },
      /score|additional/,
    );
    await rejects(
      { outcomes: [{ lead_id: "L", converted: true, observed_at }], extra: 1 },
      /extra|additional/,
    );
    await rejects(
      { outcomes: [{ lead_id: "L", converted: true, observed_at, model_version: "latest" }] },
      /model_version/,
    );
    assert.ok((await metric("rejected")) >= before + 9);
  });

  it("rejects duplicate lead ids within a batch, naming both", async () => {
    await rejects(
      {
        outcomes: [
          { lead_id: "L-1", converted: true, observed_at },
          { lead_id: "L-2", converted: true, observed_at },
          { lead_id: "L-1", converted: false, observed_at },
        ],
      },
      /outcomes\[2\]\.lead_id "L-1" repeats outcomes\[0\]/,
    );
  });

  it("rejects a batch over MAX_BATCH_SIZE", async () => {
    const outcomes = Array.from({ length: 11 }, (_, i) => ({
      lead_id: `L-${i}`,
      converted: true,
      observed_at,
    }));
    await rejects({ outcomes }, /outcomes/);
  });

  it("accepts an id no replica has scored: the join downstream counts it", async () => {
    const response = await post({
      outcomes: [{ lead_id: "never-seen", converted: true, observed_at }],
    });
    assert.equal(response.statusCode, 202);
  });

  it("answers 404 NOT_CONFIGURED when the prediction log is off", async () => {
    const off = await buildTestApp();
    try {
      const response = await off.app.inject({
        method: "POST",
        url: "/feedback",
        payload: { outcomes: [{ lead_id: "L", converted: true, observed_at }] },
      });
      assert.equal(response.statusCode, 404);
      assert.equal(response.json<ErrorBody>().code, "NOT_CONFIGURED");
    } finally {
      await off.app.close();
    }
  });
});

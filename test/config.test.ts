import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BUILT_IN_MODEL_URI, loadConfig } from "../src/config.js";
import { ConfigError } from "../src/errors.js";

describe("config", () => {
  it("defaults to port 8080 and the built-in model", () => {
    const config = loadConfig({});
    assert.equal(config.port, 8080);
    assert.equal(config.modelUri, BUILT_IN_MODEL_URI);
    assert.deepEqual(config.corsOrigins, []);
  });

  it("honours the Vertex AI container variables", () => {
    const config = loadConfig({ PORT: "9000", AIP_HTTP_PORT: "8081", AIP_STORAGE_URI: "gs://b/m" });
    assert.equal(config.port, 8081);
    assert.equal(config.modelUri, "gs://b/m");
    assert.equal(
      loadConfig({ MODEL_URI: "/srv/m", AIP_STORAGE_URI: "gs://b/m" }).modelUri,
      "/srv/m",
    );
  });

  it("parses the CORS allowlist", () => {
    assert.deepEqual(
      loadConfig({ CORS_ORIGINS: "https://a.example, https://b.example" }).corsOrigins,
      ["https://a.example", "https://b.example"],
    );
  });

  it("accepts * alone, or origins as browsers send them", () => {
    assert.deepEqual(loadConfig({ CORS_ORIGINS: "*" }).corsOrigins, ["*"]);
    assert.deepEqual(
      loadConfig({ CORS_ORIGINS: "http://localhost:3000,https://[::1]:8443" }).corsOrigins,
      ["http://localhost:3000", "https://[::1]:8443"],
    );
  });

  it("refuses a CORS origin that no browser sends, naming it", () => {
    const cases: [string, RegExp][] = [
      [
        "https://a.example/",
        /"https:\/\/a\.example\/" is not an origin.*did you mean "https:\/\/a\.example"/,
      ],
      ["https://a.example/app", /"https:\/\/a\.example\/app" is not an origin/],
      ["a.example", /"a\.example" is not an origin/],
      ["https://A.example", /did you mean "https:\/\/a\.example"/],
      ["https://a.example:443", /did you mean "https:\/\/a\.example"/],
      ["ftp://a.example", /"ftp:\/\/a\.example" is not an origin/],
      ["https://user@a.example", /is not an origin/],
      ["https://a.example, *", /"\*" allows every origin/],
    ];
    for (const [CORS_ORIGINS, pattern] of cases) {
      assert.throws(
        () => loadConfig({ CORS_ORIGINS }),
        (error: unknown) => error instanceof ConfigError && pattern.test(error.message),
        CORS_ORIGINS,
      );
    }
  });

  it("keeps idle connections past the load balancer's 600 s; headers within the request timeout", () => {
    assert.deepEqual(loadConfig({}).httpTimeouts, {
      keepAliveMs: 620_000,
      headersMs: 60_000,
      requestMs: 120_000,
    });
    assert.throws(
      () => loadConfig({ HEADERS_TIMEOUT_SECONDS: "90", REQUEST_TIMEOUT_SECONDS: "30" }),
      /HEADERS_TIMEOUT_SECONDS \(90\) must not exceed REQUEST_TIMEOUT_SECONDS \(30\)/,
    );
    assert.throws(
      () => loadConfig({ KEEP_ALIVE_TIMEOUT_SECONDS: "0" }),
      /KEEP_ALIVE_TIMEOUT_SECONDS/,
    );
    // Fastify takes whole milliseconds only.
    assert.equal(loadConfig({ KEEP_ALIVE_TIMEOUT_SECONDS: "0.0015" }).httpTimeouts.keepAliveMs, 2);
  });

  it("reads CORS_MAX_AGE_SECONDS (default 600) and refuses a negative one, naming it", () => {
    assert.equal(loadConfig({}).corsMaxAgeSeconds, 600);
    assert.equal(loadConfig({ CORS_MAX_AGE_SECONDS: "0" }).corsMaxAgeSeconds, 0);
    assert.throws(() => loadConfig({ CORS_MAX_AGE_SECONDS: "-1" }), /CORS_MAX_AGE_SECONDS/);
  });

  it("reads the prediction log settings: off by default, lists split on commas", () => {
    assert.equal(loadConfig({}).predictionLog.sink, "off");
    assert.equal(loadConfig({}).leadIdField, "lead_id");
    const log = loadConfig({
      PREDICTION_LOG: "gcs",
      PREDICTION_LOG_URI: "gs://log-bucket/predictions",
      PREDICTION_LOG_SAMPLE_RATE: "0.25",
      PREDICTION_LOG_EXCLUDE_FIELDS: "email, phone",
    }).predictionLog;
    assert.equal(log.uri, "gs://log-bucket/predictions");
    assert.equal(log.sampleRate, 0.25);
    assert.equal(log.fields, undefined);
    assert.deepEqual(log.excludeFields, ["email", "phone"]);
  });

  it("turns drift monitoring on by default and reads its window and thresholds", () => {
    assert.deepEqual(loadConfig({}).drift, {
      windowSize: 10_000,
      windowSeconds: 3600,
      threshold: 0.3,
      thresholds: new Map(),
    });
    const drift = loadConfig({
      DRIFT_WINDOW_SIZE: "500",
      DRIFT_WINDOW_SECONDS: "60",
      DRIFT_THRESHOLD: "0.2",
      DRIFT_THRESHOLDS: "total_visits=0.1, lead_origin = 0.5",
    }).drift;
    assert.equal(drift?.windowSize, 500);
    assert.equal(drift?.windowSeconds, 60);
    assert.equal(drift?.threshold, 0.2);
    assert.deepEqual(
      drift?.thresholds,
      new Map([
        ["total_visits", 0.1],
        ["lead_origin", 0.5],
      ]),
    );
    assert.equal(loadConfig({ MONITORING_ENABLED: "false" }).drift, undefined);
  });

  it("polls the monitoring job's report every minute unless told otherwise; 0 turns it off", () => {
    assert.equal(loadConfig({}).qualityReportPollSeconds, 60);
    assert.equal(loadConfig({ QUALITY_REPORT_POLL_SECONDS: "0" }).qualityReportPollSeconds, 0);
    assert.equal(loadConfig({ QUALITY_REPORT_POLL_SECONDS: "2.5" }).qualityReportPollSeconds, 2.5);
    assert.throws(
      () => loadConfig({ QUALITY_REPORT_POLL_SECONDS: "-1" }),
      /QUALITY_REPORT_POLL_SECONDS must be >= 0/,
    );
  });

  it("rejects malformed drift settings", () => {
    for (const DRIFT_THRESHOLDS of ["total_visits", "=0.2", "a=", "a=-1", "a=x"]) {
      assert.throws(() => loadConfig({ DRIFT_THRESHOLDS }), /DRIFT_THRESHOLDS/);
    }
    assert.throws(() => loadConfig({ DRIFT_WINDOW_SIZE: "0" }), /DRIFT_WINDOW_SIZE/);
    assert.throws(() => loadConfig({ MONITORING_ENABLED: "maybe" }), /MONITORING_ENABLED/);
  });

  it("scores with the compiled trees when proven (SCORER=auto) unless told otherwise", () => {
    assert.equal(loadConfig({}).scorer, "auto");
    for (const scorer of ["auto", "trees", "onnx"]) {
      assert.equal(loadConfig({ SCORER: scorer }).scorer, scorer);
    }
  });

  it("micro-batches ONNX Runtime calls of one turn, up to 64 rows, with no wait by default", () => {
    assert.deepEqual(loadConfig({}).onnxBatch, { maxRows: 64, maxWaitMs: 0 });
    assert.deepEqual(
      loadConfig({ ONNX_BATCH_MAX_ROWS: "1", ONNX_BATCH_WAIT_MS: "0.5" }).onnxBatch,
      { maxRows: 1, maxWaitMs: 0.5 },
    );
  });

  it("rejects a bad value with a message naming the variable", () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ PORT: "eighty" }, /PORT must be integer/],
      [{ MAX_BATCH_SIZE: "0" }, /MAX_BATCH_SIZE must be >= 1/],
      [{ LOG_LEVEL: "loud" }, /LOG_LEVEL must be equal to one of the allowed values/],
      [{ AIP_HEALTH_ROUTE: "health" }, /AIP_HEALTH_ROUTE must match pattern/],
      [{ DRAIN_SECONDS: "-1" }, /DRAIN_SECONDS must be >= 0/],
      [{ PREDICTION_LOG: "kafka" }, /PREDICTION_LOG must be equal to one of the allowed values/],
      [{ PREDICTION_LOG: "gcs" }, /PREDICTION_LOG=gcs needs PREDICTION_LOG_URI/],
      [{ PREDICTION_LOG_SAMPLE_RATE: "1.5" }, /PREDICTION_LOG_SAMPLE_RATE must be <= 1/],
      [
        { PREDICTION_LOG_FIELDS: "a", PREDICTION_LOG_EXCLUDE_FIELDS: "b" },
        /PREDICTION_LOG_FIELDS \(allowlist\) or PREDICTION_LOG_EXCLUDE_FIELDS \(denylist\), not both/,
      ],
      [{ LEAD_ID_FIELD: "lead id" }, /LEAD_ID_FIELD must match pattern/],
      [{ SCORER: "gpu" }, /SCORER must be equal to one of the allowed values/],
      [{ SCORER: "" }, /SCORER must be equal to one of the allowed values/],
      [{ ONNX_BATCH_MAX_ROWS: "0" }, /ONNX_BATCH_MAX_ROWS must be >= 1/],
      [{ ONNX_BATCH_WAIT_MS: "2" }, /ONNX_BATCH_WAIT_MS must be <= 1/],
    ];
    for (const [env, pattern] of cases) {
      assert.throws(
        () => loadConfig(env),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError);
          assert.match(error.message, pattern);
          return true;
        },
      );
    }
  });
});

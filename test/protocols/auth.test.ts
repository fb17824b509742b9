import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { buildTestApp, type TestApp } from "../support/app.js";
import { waitFor } from "../support/server-process.js";
import { keysFileText, replaceKeysFile, writeKeysFile, type TestKey } from "../support/api-keys.js";

const INSTANCE = { lead_origin: "API", total_visits: 5 };
const PREDICT = { instances: [INSTANCE] };

const SCORER: TestKey = { name: "crm-scorer", key: "sk-scorer-0123456789", scopes: ["predict"] };
const ALL: TestKey = {
  name: "ops",
  key: "sk-ops-9876543210",
  scopes: ["predict", "explain", "feedback", "admin"],
};

describe("API keys off (default)", () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp();
  });
  after(() => t.app.close());

  it("serves every route without a key, as before", async () => {
    const predict = await t.app.inject({ method: "POST", url: "/predict", payload: PREDICT });
    assert.equal(predict.statusCode, 200);
    const monitoring = await t.app.inject({ url: "/v1/models/lead-scoring/monitoring" });
    assert.equal(monitoring.statusCode, 200);
    assert.equal((await t.app.inject({ url: "/openapi.json" })).statusCode, 200);
  });

  it('labels the request metric key="anonymous"', async () => {
    await t.app.inject({ method: "POST", url: "/predict", payload: PREDICT });
    const text = await t.metrics.registry.metrics();
    assert.match(
      text,
      /lead_scoring_http_requests_total\{method="POST",route="\/predict",status_code="200",version="[\d.]+",key="anonymous"\} \d+/,
    );
  });
});

describe("API keys on", () => {
  let t: TestApp;
  let file: string;
  before(async () => {
    file = writeKeysFile(keysFileText([SCORER, ALL]));
    t = await buildTestApp({ env: { API_KEYS_FILE: file, API_KEYS_POLL_SECONDS: "0.1" } });
  });
  after(() => t.app.close());

  const predict = (headers: Record<string, string>) =>
    t.app.inject({ method: "POST", url: "/predict", payload: PREDICT, headers });

  it("answers 401 UNAUTHENTICATED with WWW-Authenticate without a key", async () => {
    const response = await predict({});
    assert.equal(response.statusCode, 401);
    assert.equal(response.headers["www-authenticate"], 'Bearer realm="lead-scoring"');
    assert.equal(response.json<{ code: string }>().code, "UNAUTHENTICATED");
  });

  it("answers 401 to an unknown key, in either header", async () => {
    const attempts: Array<Record<string, string>> = [
      { authorization: "Bearer sk-not-a-key" },
      { "x-api-key": "sk-not-a-key" },
      { authorization: `Basic ${SCORER.key}` },
    ];
    for (const headers of attempts) {
      const response = await predict(headers);
      assert.equal(response.statusCode, 401, JSON.stringify(headers));
      assert.match(String(response.headers["www-authenticate"]), /^Bearer realm="lead-scoring"/);
      assert.equal(response.json<{ code: string }>().code, "UNAUTHENTICATED");
    }
  });

  it("answers odd credentials with a 401, never a 5xx", async () => {
    const odd: Array<Record<string, string>> = [
      { "x-api-key": "k".repeat(8000) },
      { authorization: `Bearer ${"k".repeat(8000)}` },
      { authorization: "Bearer" },
      { authorization: "Bearer  a b" },
      { "x-api-key": "ключ-€" },
    ];
    for (const headers of odd) {
      const response = await predict(headers);
      assert.equal(response.statusCode, 401, JSON.stringify(headers).slice(0, 60));
    }
  });

  it("takes the key as Authorization: Bearer or as x-api-key", async () => {
    assert.equal((await predict({ authorization: `Bearer ${SCORER.key}` })).statusCode, 200);
    assert.equal((await predict({ authorization: `bearer ${SCORER.key}` })).statusCode, 200);
    assert.equal((await predict({ "x-api-key": SCORER.key })).statusCode, 200);
    // x-api-key wins: Authorization may hold a proxy's token (IAP's Google ID token).
    const both = { authorization: "Bearer eyJhbGciOi.google-id-token", "x-api-key": SCORER.key };
    assert.equal((await predict(both)).statusCode, 200);
  });

  it("answers 403 FORBIDDEN to a known key without the route's scope", async () => {
    const headers = { "x-api-key": SCORER.key };
    const cases = [
      { method: "POST" as const, url: "/explain", payload: PREDICT, scope: "explain" },
      {
        method: "POST" as const,
        url: "/feedback",
        payload: { outcomes: [{ lead_id: "L-1", converted: true }] },
        scope: "feedback",
      },
      { method: "GET" as const, url: "/v1/models/lead-scoring/monitoring", scope: "admin" },
    ];
    for (const { scope, ...request } of cases) {
      const response = await t.app.inject({ ...request, headers });
      assert.equal(response.statusCode, 403, request.url);
      const body = response.json<{ code: string; error: string }>();
      assert.equal(body.code, "FORBIDDEN");
      assert.match(body.error, new RegExp(`"${SCORER.name}" lacks the "${scope}" scope`));
    }
    const allowed = await t.app.inject({
      url: "/v1/models/lead-scoring/monitoring",
      headers: { "x-api-key": ALL.key },
    });
    assert.equal(allowed.statusCode, 200);
  });

  it("keeps the health probes open", async () => {
    for (const url of ["/health", "/health/live", "/health/ready", "/v2/health/live"]) {
      assert.equal((await t.app.inject({ url })).statusCode, 200, url);
    }
    assert.equal((await t.app.inject({ url: "/v2/health/ready" })).statusCode, 200);
    assert.equal((await t.app.inject({ url: "/v2/models/lead-scoring/ready" })).statusCode, 200);
  });

  it("labels the request metric with the key's name, never the key", async () => {
    await predict({ "x-api-key": SCORER.key });
    const text = await t.metrics.registry.metrics();
    assert.match(
      text,
      /lead_scoring_http_requests_total\{method="POST",route="\/predict",status_code="200",version="[\d.]+",key="crm-scorer"\} \d+/,
    );
    assert.ok(!text.includes(SCORER.key));
    assert.match(text, /lead_scoring_api_keys 2/);
  });

  it("documents the security schemes and each route's requirement", async () => {
    const document = (await t.app.inject({ url: "/openapi.json" })).json<{
      components: { securitySchemes: Record<string, unknown> };
      paths: Record<string, Record<string, { security?: unknown; responses: object }>>;
    }>();
    assert.deepEqual(Object.keys(document.components.securitySchemes).sort(), [
      "apiKey",
      "bearerAuth",
    ]);
    const predictOperation = document.paths["/predict"]?.post;
    assert.deepEqual(predictOperation?.security, [{ bearerAuth: [] }, { apiKey: [] }]);
    assert.ok(predictOperation !== undefined && "401" in predictOperation.responses);
    assert.ok(predictOperation !== undefined && "429" in predictOperation.responses);
    assert.equal(document.paths["/health/live"]?.get?.security, undefined);
  });

  it("rotates keys when the file changes, without a restart", async () => {
    const NEXT: TestKey = { name: "crm-next", key: "sk-next-5555555555", scopes: ["predict"] };
    replaceKeysFile(file, keysFileText([NEXT, ALL]));
    await waitFor(
      async () => (await predict({ "x-api-key": NEXT.key })).statusCode === 200,
      "the new key",
    );
    assert.equal((await predict({ "x-api-key": SCORER.key })).statusCode, 401);

    // A file that does not check is refused, counted, and the keys in force stay.
    replaceKeysFile(file, "keys:\n  - name: broken\n    sha256: not-hex\n    scopes: [predict]\n");
    await waitFor(
      async () => /reloads_total\{result="failure"\} 1/.test(await t.metrics.registry.metrics()),
      "the bad file's refusal",
    );
    assert.equal((await predict({ "x-api-key": NEXT.key })).statusCode, 200);
    const text = await t.metrics.registry.metrics();
    assert.match(text, /lead_scoring_api_keys 2/);

    replaceKeysFile(file, keysFileText([SCORER, ALL]));
    await waitFor(
      async () => (await predict({ "x-api-key": SCORER.key })).statusCode === 200,
      "the old key back",
    );
    assert.equal((await predict({ "x-api-key": NEXT.key })).statusCode, 401);
  });
});

describe("API keys: DOCS", () => {
  it("DOCS=off serves neither /docs nor /openapi.json", async () => {
    const t = await buildTestApp({ env: { DOCS: "off" } });
    try {
      assert.equal((await t.app.inject({ url: "/openapi.json" })).statusCode, 404);
      assert.equal((await t.app.inject({ url: "/docs" })).statusCode, 404);
    } finally {
      await t.app.close();
    }
  });

  it("DOCS=admin serves them to admin keys only", async () => {
    const file = writeKeysFile(keysFileText([SCORER, ALL]));
    const t = await buildTestApp({ env: { DOCS: "admin", API_KEYS_FILE: file } });
    try {
      for (const url of ["/openapi.json", "/docs/json", "/docs"]) {
        assert.equal((await t.app.inject({ url })).statusCode, 401, url);
        const scorer = await t.app.inject({ url, headers: { "x-api-key": SCORER.key } });
        assert.equal(scorer.statusCode, 403, url);
        const admin = await t.app.inject({ url, headers: { "x-api-key": ALL.key } });
        assert.ok(admin.statusCode < 400, `${url}: ${admin.statusCode}`);
      }
    } finally {
      await t.app.close();
    }
  });

  it("DOCS=admin without keys is a configuration error", async () => {
    await assert.rejects(
      buildTestApp({ env: { DOCS: "admin" } }),
      /DOCS=admin needs API_KEYS_FILE/,
    );
  });

  it("a missing or bad keys file stops the start with an error naming it", async () => {
    await assert.rejects(
      buildTestApp({ env: { API_KEYS_FILE: "/nonexistent/keys.yaml" } }),
      /API_KEYS_FILE=\/nonexistent\/keys.yaml/,
    );
    const file = writeKeysFile("keys:\n  - name: a\n    sha256: x\n    scopes: [predict]\n");
    await assert.rejects(buildTestApp({ env: { API_KEYS_FILE: file } }), /keys\[0\] "a" \/sha256/);
  });
});

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { buildTestApp, listenOnLoopback, type TestApp } from "../support/app.js";

interface ErrorBody {
  error: string;
  code: string;
}

describe("405 for a known path with another method", () => {
  let t: TestApp;

  before(async () => {
    t = await buildTestApp({ env: { AIP_PREDICT_ROUTE: "/v1/endpoints/1:predict" } });
  });
  after(() => t.app.close());

  const call = (method: string, url: string) => t.app.inject({ method, url });

  const assertNotAllowed = async (method: string, url: string, allow: string) => {
    const response = await call(method, url);
    const what = `${method} ${url}`;
    assert.equal(response.statusCode, 405, `${what}: ${response.body}`);
    assert.equal(response.headers.allow, allow, what);
    if (method === "HEAD") return;
    const body = response.json<ErrorBody>();
    assert.equal(body.code, "METHOD_NOT_ALLOWED", what);
    assert.match(body.error, new RegExp(`${method} .*allowed: ${allow}$`), what);
  };

  it("names the methods of static, parametric and regex routes in Allow", async () => {
    const cases: [string, string, string][] = [
      ["GET", "/predict", "POST"],
      ["GET", "/explain", "POST"],
      ["PUT", "/health", "GET, HEAD"],
      ["POST", "/health/ready", "GET, HEAD"],
      ["POST", "/v1/models", "GET, HEAD"],
      ["PATCH", "/v1/models/lead-scoring", "GET, HEAD"],
      ["GET", "/v1/models/lead-scoring:predict", "POST"],
      ["DELETE", "/v1/models/lead-scoring:explain", "POST"],
      ["DELETE", "/v2/models/lead-scoring/infer", "POST"],
      ["GET", "/v2/models/lead-scoring/versions/1.0.0/infer?verbose=1", "POST"],
      ["POST", "/v2/models/lead-scoring/ready", "GET, HEAD"],
      ["PUT", "/v2", "GET, HEAD"],
      ["OPTIONS", "/predict", "POST"],
      ["LINK", "/health", "GET, HEAD"],
    ];
    for (const [method, url, allow] of cases) await assertNotAllowed(method, url, allow);
  });

  it("covers a configured Vertex AI route with a literal colon", () =>
    assertNotAllowed("GET", "/v1/endpoints/1:predict", "POST"));

  it("answers HEAD where GET is served, and 405 without a body where it is not", async () => {
    const head = await call("HEAD", "/health");
    assert.equal(head.statusCode, 200);
    assert.equal(head.body, "");
    await assertNotAllowed("HEAD", "/predict", "POST");
    assert.equal((await call("HEAD", "/predict")).body, "");
  });

  it("keeps 404 ROUTE_NOT_FOUND for paths no method serves", async () => {
    for (const [method, url] of [
      ["GET", "/nope"],
      ["POST", "/nope"],
      ["DELETE", "/v2/models/lead-scoring/nope"],
      ["GET", "/v1/models/lead-scoring:bogus"],
      ["GET", "/predict/"],
    ] as const) {
      const response = await call(method, url);
      assert.equal(response.statusCode, 404, `${method} ${url}`);
      assert.equal(response.headers.allow, undefined);
      assert.equal(response.json<ErrorBody>().code, "ROUTE_NOT_FOUND");
    }
  });

  it("agrees with the OpenAPI document: every undocumented method on a documented path is a 405", async () => {
    const document = (await call("GET", "/openapi.json")).json<{
      paths: Record<string, Record<string, unknown>>;
    }>();
    for (const [template, operations] of Object.entries(document.paths)) {
      const url = template.replaceAll("{name}", "lead-scoring").replaceAll("{version}", "1.0.0");
      const documented = Object.keys(operations).map((method) => method.toUpperCase());
      const allow = [...documented, ...(documented.includes("GET") ? ["HEAD"] : [])].sort();
      // QUERY carries a body, so Fastify parses one before it finds no route (schemathesis sends it).
      for (const method of ["GET", "POST", "PUT", "DELETE", "PATCH", "QUERY"]) {
        if (!documented.includes(method)) await assertNotAllowed(method, url, allow.join(", "));
      }
    }
  });

  it("sends Allow over the wire", async () => {
    const served = await buildTestApp();
    try {
      const { url } = await listenOnLoopback(served.app);
      const response = await fetch(`${url}/v2/models/lead-scoring/infer`, { method: "DELETE" });
      assert.equal(response.status, 405);
      assert.equal(response.headers.get("allow"), "POST");
      assert.equal(((await response.json()) as ErrorBody).code, "METHOD_NOT_ALLOWED");
    } finally {
      await served.app.close();
    }
  });
});

describe("405 with CORS enabled", () => {
  let t: TestApp;
  const origin = "https://crm.example.com";

  before(async () => {
    t = await buildTestApp({ env: { CORS_ORIGINS: origin } });
  });
  after(() => t.app.close());

  it("still answers preflights, and lists OPTIONS in Allow", async () => {
    const preflight = await t.app.inject({
      method: "OPTIONS",
      url: "/predict",
      headers: { origin, "access-control-request-method": "POST" },
    });
    assert.equal(preflight.statusCode, 204);
    assert.equal(preflight.headers["access-control-allow-origin"], origin);
    const wrong = await t.app.inject({ method: "GET", url: "/predict", headers: { origin } });
    assert.equal(wrong.statusCode, 405);
    assert.equal(wrong.headers.allow, "OPTIONS, POST");
  });

  it("keeps 404 for unknown paths, though the preflight route matches every path", async () => {
    const response = await t.app.inject({ method: "GET", url: "/nope", headers: { origin } });
    assert.equal(response.statusCode, 404);
    assert.equal(response.json<ErrorBody>().code, "ROUTE_NOT_FOUND");
  });
});

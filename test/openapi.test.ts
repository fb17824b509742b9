import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { renderOpenApiYaml } from "../scripts/openapi.js";
import { PACKAGE_ROOT } from "../src/package-root.js";
import { buildTestApp } from "./support/app.js";

describe("OpenAPI", () => {
  it("openapi.yaml in the repository is generated from the current schemas (npm run openapi)", async () => {
    const committed = await readFile(path.join(PACKAGE_ROOT, "openapi.yaml"), "utf8");
    assert.equal(
      committed,
      await renderOpenApiYaml(),
      "openapi.yaml is stale: run `npm run openapi`",
    );
  });

  it("declares exactly the path parameters each path template has (OpenAPI makes every one required)", async () => {
    const { app } = await buildTestApp();
    type Operation = { parameters?: { in: string; name: string }[] };
    const document = (await app.inject({ method: "GET", url: "/openapi.json" })).json<{
      paths: Record<string, Record<string, Operation>>;
    }>();
    for (const [route, operations] of Object.entries(document.paths)) {
      const inTemplate = [...route.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]).sort();
      for (const [method, operation] of Object.entries(operations)) {
        const declared = (operation.parameters ?? [])
          .filter((parameter) => parameter.in === "path")
          .map((parameter) => parameter.name)
          .sort();
        assert.deepEqual(declared, inTemplate, `${method.toUpperCase()} ${route}`);
      }
    }
  });

  it("serves /openapi.json documenting every protocol route, and the Swagger UI at /docs", async () => {
    const { app } = await buildTestApp();
    const document = (await app.inject({ method: "GET", url: "/openapi.json" })).json<{
      openapi: string;
      paths: Record<string, unknown>;
    }>();
    assert.match(document.openapi, /^3\./);
    for (const route of [
      "/predict",
      "/health",
      "/v1/models/{name}:predict",
      "/v2/models/{name}/infer",
      "/v2/models/{name}/versions/{version}/infer",
    ]) {
      assert.ok(
        route in document.paths,
        `${route} documented; paths: ${Object.keys(document.paths).join(" ")}`,
      );
    }
    assert.ok(!("/metrics" in document.paths), "/metrics is not part of the API");
    const docs = await app.inject({ method: "GET", url: "/docs/" });
    assert.equal(docs.statusCode, 200);
    assert.match(docs.body, /swagger/i);
    await app.close();
  });
});

import { Type } from "typebox";
import type { DataPlane } from "../../dataplane/dataplane.js";
import { DATA_PLANE_ERRORS, ErrorResponseRef, errorResponses } from "../error-body.js";
import type { App } from "../fastify.js";
import { decodeInfer, encodeInfer, modelMetadata } from "./adapter.js";
import {
  InferRequest,
  InferResponse,
  ModelMetadataResponse,
  ServerMetadataResponse,
} from "./schema.js";

// Two schemas, not one with an optional version: a path parameter is always required in
// OpenAPI, so the versionless routes must not declare `version` at all.
const NameParams = Type.Object({ name: Type.String({ examples: ["lead-scoring"] }) });
const VersionParams = Type.Object({
  name: Type.String({ examples: ["lead-scoring"] }),
  version: Type.String({ examples: ["1.0.0"] }),
});
type ModelTarget = { readonly name: string; readonly version?: string };
const ReadyBody = Type.Object({ ready: Type.Boolean() });

/** Open Inference Protocol (KServe V2, Triton, MLServer) over the data plane. */
export function registerV2Routes(
  app: App,
  dataPlane: DataPlane,
  server: { readonly name: string; readonly version: string },
): void {
  const tags = ["v2"];
  const health = (summary: string, isOk: () => boolean) => ({
    schema: {
      tags,
      summary,
      response: { 200: ReadyBody, 503: Type.Union([ReadyBody, ErrorResponseRef]) },
    },
    config: { scope: "open" as const },
    handler: (_: unknown, reply: { code: (status: 200 | 503) => unknown }) => {
      const ok = isOk();
      reply.code(ok ? 200 : 503);
      return { ready: ok };
    },
  });
  app.get("/v2/health/live", {
    ...health("Server live", () => true),
    config: { neverShed: true, scope: "open" },
  });
  app.get(
    "/v2/health/ready",
    health("Server ready", () => dataPlane.isReady()),
  );
  app.get(
    "/v2",
    {
      schema: { tags, summary: "Server metadata", response: { 200: ServerMetadataResponse } },
      config: { scope: "predict" },
    },
    () => ({ name: server.name, version: server.version, extensions: [] }),
  );

  // Each model route exists with and without /versions/:version, as the protocol defines.
  for (const [base, ModelParams] of [
    ["/v2/models/:name", NameParams],
    ["/v2/models/:name/versions/:version", VersionParams],
  ] as const) {
    app.get(
      base,
      {
        schema: {
          tags,
          summary: "Model metadata",
          params: ModelParams,
          response: { 200: ModelMetadataResponse, ...DATA_PLANE_ERRORS },
        },
        config: { scope: "predict" },
      },
      (request) => {
        const { name, version }: ModelTarget = request.params;
        return modelMetadata(dataPlane.model(name, version));
      },
    );
    app.get(
      `${base}/ready`,
      {
        schema: {
          tags,
          summary: "Model ready",
          params: ModelParams,
          response: { 200: ReadyBody, ...errorResponses(404, 503) },
        },
        // The protocol's model-ready probe: open like the server's health routes.
        config: { scope: "open" },
      },
      (request) => {
        const { name, version }: ModelTarget = request.params;
        dataPlane.model(name, version);
        return { ready: dataPlane.isReady() };
      },
    );
    app.post(
      `${base}/infer`,
      {
        schema: {
          tags,
          summary: "Score leads (tabular inputs or a preprocessed FP32 tensor)",
          params: ModelParams,
          body: InferRequest,
          response: { 200: InferResponse, ...DATA_PLANE_ERRORS },
        },
        config: { scope: "predict" },
      },
      async (request) => {
        const { name, version }: ModelTarget = request.params;
        // Decoded with the version that scores it, under one lease (see DataPlane.score).
        const result = await dataPlane.score(
          { model: name, version, context: { requestId: request.id } },
          (model) => decodeInfer(request.body, model, dataPlane.limits),
        );
        return encodeInfer(request.body, result);
      },
    );
  }
}

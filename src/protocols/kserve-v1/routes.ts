import { Type } from "typebox";
import type { DataPlane } from "../../dataplane/dataplane.js";
import { DATA_PLANE_ERRORS } from "../error-body.js";
import { ExplainResponse, explainBody, explainBodySchema } from "../explain.js";
import type { App } from "../fastify.js";
import { PredictResponse, predictBody, predictBodySchema } from "../instances.js";
import {
  MissingValues,
  ModelFields,
  ModelScorer,
  ModelTraining,
  modelFields,
  modelTraining,
} from "../model-fields.js";

const ModelName = Type.Object({ name: Type.String({ examples: ["lead-scoring"] }) });

/**
 * `/v1/models/<name>:<verb>`. A literal colon is "::" in Fastify, but find-my-way reads a
 * parameter name up to the next "/", "-", "." or "(", so ":name::predict" would capture a
 * parameter called "name::predict". A regex parameter ends the name explicitly.
 */
export function verbRoute(verb: string): string {
  return `/v1/models/:name([^/:]+)::${verb}`;
}

/** KServe V1 data plane (kserve.github.io … /v1-protocol). */
export function registerKServeV1Routes(app: App, dataPlane: DataPlane): void {
  app.get(
    "/v1/models",
    {
      schema: {
        tags: ["kserve-v1"],
        summary: "List served models",
        response: { 200: Type.Object({ models: Type.Array(Type.String()) }) },
      },
      config: { scope: "predict" },
    },
    () => {
      const model = dataPlane.isReady() ? [dataPlane.model().name] : [];
      return { models: model };
    },
  );

  app.get(
    // No colon in a name, as in verbRoute: GET /v1/models/m:predict is a 405 (the path takes
    // POST), not a lookup of a model called "m:predict".
    "/v1/models/:name([^/:]+)",
    {
      schema: {
        tags: ["kserve-v1"],
        summary: "Model readiness, version and input fields",
        description:
          "KServe V1's {name, ready}, plus the version, the runtime that scores it and the " +
          "fields an instance may carry (types, labels, nullability, training categories and " +
          "ranges), when it was trained, its held-out metrics and a typical lead.",
        params: ModelName,
        response: {
          200: Type.Object({
            name: Type.String(),
            ready: Type.Boolean(),
            version: Type.String(),
            scorer: ModelScorer,
            fields: ModelFields,
            missingValues: MissingValues,
            ...ModelTraining,
          }),
          ...DATA_PLANE_ERRORS,
        },
      },
      config: { scope: "predict" },
    },
    (request) => {
      const model = dataPlane.model(request.params.name);
      return {
        name: model.name,
        ready: dataPlane.isReady(),
        version: model.version,
        scorer: model.scorer,
        fields: modelFields(model),
        missingValues: [...model.missingValues],
        ...modelTraining(model),
      };
    },
  );

  app.post(
    verbRoute("predict"),
    {
      schema: {
        tags: ["kserve-v1"],
        summary: "Score leads (KServe V1)",
        params: ModelName,
        body: predictBodySchema(dataPlane),
        response: { 200: PredictResponse, ...DATA_PLANE_ERRORS },
      },
      config: { scope: "predict" },
    },
    (request) =>
      predictBody(dataPlane, request.body, {
        model: request.params.name,
        context: { requestId: request.id },
      }),
  );

  app.post(
    verbRoute("explain"),
    {
      schema: {
        tags: ["kserve-v1"],
        summary: "Explain lead scores (KServe V1; Vertex AI explanation shape)",
        params: ModelName,
        body: explainBodySchema(dataPlane),
        response: { 200: ExplainResponse, ...DATA_PLANE_ERRORS },
      },
      config: { scope: "explain" },
    },
    (request) =>
      explainBody(dataPlane, request.body, {
        model: request.params.name,
        context: { requestId: request.id },
      }),
  );
}

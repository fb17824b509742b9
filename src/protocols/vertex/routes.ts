import type { DataPlane } from "../../dataplane/dataplane.js";
import { DATA_PLANE_ERRORS } from "../error-body.js";
import { ExplainResponse, explainBody, explainBodySchema } from "../explain.js";
import { literalRoute, type App } from "../fastify.js";
import { PredictResponse, predictBody, predictBodySchema } from "../instances.js";

/**
 * `POST /predict`: the body the original FastAPI / Vertex AI service took and gave, so existing
 * CRM clients switch over unchanged. Vertex may ask for another path in AIP_PREDICT_ROUTE.
 * `POST /explain`: the same body, answered with the attributions behind each score.
 */
export function registerVertexRoutes(
  app: App,
  dataPlane: DataPlane,
  extraPredictRoute: string | undefined,
): void {
  for (const url of new Set(["/predict", literalRoute(extraPredictRoute ?? "/predict")])) {
    app.post(
      url,
      {
        schema: {
          tags: ["vertex"],
          summary: "Score leads (Vertex AI prediction body)",
          body: predictBodySchema(dataPlane),
          response: { 200: PredictResponse, ...DATA_PLANE_ERRORS },
        },
        config: { scope: "predict" },
      },
      (request) => predictBody(dataPlane, request.body, { context: { requestId: request.id } }),
    );
  }

  app.post(
    "/explain",
    {
      schema: {
        tags: ["vertex"],
        summary: "Explain lead scores: attributions per input field (Vertex AI explanation)",
        body: explainBodySchema(dataPlane),
        response: { 200: ExplainResponse, ...DATA_PLANE_ERRORS },
      },
      config: { scope: "explain" },
    },
    (request) => explainBody(dataPlane, request.body, { context: { requestId: request.id } }),
  );
}

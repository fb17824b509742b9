import { createRequire } from "node:module";
import path from "node:path";
import helmet from "@fastify/helmet";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import Fastify from "fastify";
import type { Config } from "./config.js";
import type { DataPlane } from "./dataplane/dataplane.js";
import { createLogger, requestId, traceFields } from "./logging.js";
import { registerHttpMetrics } from "./protocols/http-metrics.js";
import type { Metrics } from "./monitoring/metrics.js";
import type { PredictionLog } from "./monitoring/prediction-log/prediction-log.js";
import { PACKAGE_ROOT } from "./package-root.js";
import { RequestLog } from "./request-log.js";
import { registerAccessControl, SECURITY_SCHEMES } from "./protocols/auth/access-control.js";
import { registerBodyLimit } from "./protocols/body-limit.js";
import { registerCors } from "./protocols/cors.js";
import { documentCommonErrors, registerErrorSchema } from "./protocols/error-body.js";
import { answerFrameworkError, registerErrorHandlers } from "./protocols/error-handler.js";
import type { App } from "./protocols/fastify.js";
import { registerFeedbackRoutes } from "./protocols/feedback/routes.js";
import { OpenApiDocuments } from "./protocols/openapi-document.js";
import { registerHealthRoutes } from "./protocols/health/routes.js";
import { listenerTimeoutOptions } from "./protocols/http-timeouts.js";
import { registerKServeV1Routes } from "./protocols/kserve-v1/routes.js";
import { registerLoadShedding } from "./protocols/load-shedding.js";
import { registerModelVersionHeader } from "./protocols/model-version-header.js";
import { registerMonitoringRoute } from "./protocols/monitoring/drift-route.js";
import { registerMetricsRoute } from "./protocols/monitoring/routes.js";
import { registerV2Routes } from "./protocols/v2/routes.js";
import { registerVertexRoutes } from "./protocols/vertex/routes.js";
import { registerWebPage } from "./protocols/web/routes.js";

/** This server's name and version, as package.json states them (V2 server metadata, OpenAPI). */
const SERVICE = createRequire(import.meta.url)(path.join(PACKAGE_ROOT, "package.json")) as {
  name: string;
  version: string;
};

export interface AppDependencies {
  readonly config: Config;
  readonly dataPlane: DataPlane;
  readonly metrics: Metrics;
  /** Where /feedback outcomes go; undefined when PREDICTION_LOG=off. */
  readonly predictionLog?: PredictionLog;
  /** The built web page (default dist/web); tests build their own. */
  readonly webRoot?: string;
}

/**
 * Builds the HTTP application around a data plane. It never listens: server.ts does, and tests
 * call it with inject/supertest. Every protocol is registered here, explicitly.
 */
export async function buildApp({
  config,
  dataPlane,
  metrics,
  predictionLog,
  webRoot,
}: AppDependencies): Promise<App> {
  const app = Fastify({
    loggerInstance: createLogger(config.logLevel),
    logController: new RequestLog(),
    ...listenerTimeoutOptions(config.httpTimeouts),
    bodyLimit: config.bodyLimitBytes,
    // The id comes from requestId(), which takes the client's X-Request-Id only when it is safe.
    requestIdHeader: false,
    genReqId: (raw) => requestId(raw.headers),
    childLoggerFactory: (logger, bindings, options, raw) => {
      const trace = traceFields(raw.headers, config.gcpProject);
      // Most requests carry no trace header: skip merging into a fresh object for nothing.
      return logger.child(trace === undefined ? bindings : { ...bindings, ...trace }, options);
    },
    frameworkErrors: answerFrameworkError,
    ajv: {
      // Validate, never rewrite: a wrong type or an unknown property is the client's error to see.
      customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false },
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.addHook("onRequest", (request, reply, done) => {
    reply.header("x-request-id", request.id);
    done();
  });
  // Every route takes JSON. Fastify's built-in text/plain parser would hand a route a string,
  // rejected as "body must be object"; without it the answer is 415 UNSUPPORTED_MEDIA_TYPE.
  app.removeContentTypeParser("text/plain");
  registerErrorHandlers(app);
  registerErrorSchema(app);
  documentCommonErrors(app);
  registerBodyLimit(app, config.bodyLimitBytes);
  registerHttpMetrics(app, metrics);
  registerModelVersionHeader(app);
  await registerAccessControl(app, config.access, (result, keys) =>
    metrics.apiKeysReloaded(result, keys),
  );

  if (config.corsOrigins.length > 0) {
    await registerCors(app, config.corsOrigins, config.corsMaxAgeSeconds);
  }
  if (config.maxEventLoopDelayMs > 0) {
    await registerLoadShedding(app, config.maxEventLoopDelayMs);
  }
  await app.register(swagger, {
    // Shared schemas keep their $id as their name (components/schemas/ErrorResponse), not def-N.
    refResolver: {
      buildLocalReference: (json, _base, _fragment, i) =>
        typeof json.$id === "string" ? json.$id : `def-${i}`,
    },
    openapi: {
      openapi: "3.0.3",
      info: {
        title: "Lead scoring service",
        version: SERVICE.version,
        description:
          "Scores sales leads with a trained model: the probability that each lead converts. " +
          "Speaks the Vertex AI prediction body, KServe V1 and the Open Inference Protocol (V2). " +
          "Every error body is an ErrorResponse, {error, code}, whose code is one of a stable " +
          "catalog (docs/errors.md: status, meaning and fix of each). A path called with a method it does not list " +
          "answers 405 METHOD_NOT_ALLOWED with an Allow header; a body over the limit answers " +
          "413 BODY_TOO_LARGE once it has been read, and the connection closes.",
      },
      tags: [
        { name: "vertex", description: "Vertex AI / original FastAPI body" },
        { name: "kserve-v1", description: "KServe V1 data plane" },
        { name: "v2", description: "Open Inference Protocol" },
        { name: "health", description: "Probes" },
        {
          name: "monitoring",
          description:
            "Online drift of the served version; outcome feedback for the prediction log",
        },
      ],
      ...(config.access.apiKeysFile === undefined
        ? {}
        : { components: { securitySchemes: SECURITY_SCHEMES } }),
    },
  });
  // The document's Instance schema follows the served model (openapi-document.ts).
  const documents = new OpenApiDocuments(() => app.swagger(), dataPlane);
  // Browser security headers belong on the HTML pages (Swagger UI), not on every JSON answer:
  // helmet's dozen headers per response cost a third of the single-lead throughput.
  if (config.access.docs !== "off") {
    // DOCS=admin: only admin keys read the API's description; DOCS=on: anyone.
    const scope = config.access.docs === "admin" ? "admin" : "open";
    await app.register(async (docs) => {
      docs.addHook("onRoute", (route) => {
        route.config = {
          ...route.config,
          scope,
          ...(scope === "open" ? { rateLimit: false } : {}),
        };
      });
      await docs.register(helmet, { global: true, contentSecurityPolicy: false });
      await docs.register(swaggerUi, {
        routePrefix: "/docs",
        transformSpecification: () => documents.current(),
        transformSpecificationClone: false,
      });
    });
    app.get("/openapi.json", { schema: { hide: true }, config: { scope } }, () =>
      documents.current(),
    );
  }

  if (config.webUi) await registerWebPage(app, webRoot);

  registerHealthRoutes(app, dataPlane, config.healthRoute);
  registerVertexRoutes(app, dataPlane, config.predictRoute);
  registerKServeV1Routes(app, dataPlane);
  registerV2Routes(app, dataPlane, SERVICE);
  registerFeedbackRoutes(app, dataPlane.limits, predictionLog, metrics);
  registerMonitoringRoute(app, dataPlane, metrics);
  if (config.metricsPort === 0) registerMetricsRoute(app, metrics);
  return app;
}

/**
 * The separate metrics listener: only /metrics, no API, so the port the load balancer exposes
 * never serves metrics and a scrape never competes with the API's plugins and hooks.
 */
export async function buildMetricsApp(config: Config, metrics: Metrics): Promise<App> {
  const app = Fastify({
    loggerInstance: createLogger(config.logLevel),
    // A scrape every few seconds is not worth a log entry each.
    logController: new RequestLog({ disableRequestLogging: true }),
  }).withTypeProvider<TypeBoxTypeProvider>();
  registerErrorHandlers(app);
  registerMetricsRoute(app, metrics);
  await app.ready();
  return app;
}

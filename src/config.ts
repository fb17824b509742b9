import path from "node:path";
import { parse as parseDuration } from "@lukeed/ms";
import { envSchema } from "env-schema";
import { Type, type Static } from "typebox";
import { ConfigError } from "./errors.js";
import { PACKAGE_ROOT } from "./package-root.js";

/** The model committed with the repository, served when nothing else is configured. */
export const BUILT_IN_MODEL_URI = path.join(PACKAGE_ROOT, "models", "lead-scoring");

const Route = Type.String({ pattern: "^/" });

/** SCORER: the runtime that scores (src/model/scorer.ts); auto = compiled trees when proven. */
export const SCORER_CHOICES = ["auto", "trees", "onnx"] as const;
export type ScorerChoice = (typeof SCORER_CHOICES)[number];

/** Every environment variable the service reads, with its default. README documents each. */
export const EnvSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
  HOST: Type.String({ minLength: 1, default: "0.0.0.0" }),
  // Prometheus scrapes here, apart from the API port the load balancer exposes; 0 = API port.
  METRICS_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 9464 }),
  MODEL_URI: Type.Optional(Type.String({ minLength: 1 })),
  MAX_BATCH_SIZE: Type.Integer({ minimum: 1, maximum: 100_000, default: 1000 }),
  // Longest string a field value (a category) may be; the longest real category is ~60 characters.
  MAX_STRING_LENGTH: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 256 }),
  BODY_LIMIT_BYTES: Type.Integer({ minimum: 1024, default: 1_572_864 }),
  LOG_LEVEL: Type.Enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], {
    default: "info",
  }),
  // "*" or origins as browsers send them, scheme://host[:port]; checked by corsOrigins().
  CORS_ORIGINS: Type.String({ default: "" }),
  // Idle keep-alive connections outlive the load balancer's (Google's external Application Load
  // Balancer keeps them 600 s), so the balancer is always the side that closes one.
  KEEP_ALIVE_TIMEOUT_SECONDS: Type.Number({ minimum: 0.001, maximum: 3600, default: 620 }),
  // From a request's first byte: its headers, and the whole request, must have arrived by then.
  HEADERS_TIMEOUT_SECONDS: Type.Number({ minimum: 0.001, maximum: 3600, default: 60 }),
  REQUEST_TIMEOUT_SECONDS: Type.Number({ minimum: 0.001, maximum: 3600, default: 120 }),
  // How long a browser may cache a preflight's answer (Access-Control-Max-Age); 0 = not at all.
  CORS_MAX_AGE_SECONDS: Type.Integer({ minimum: 0, maximum: 86_400, default: 600 }),
  DRAIN_SECONDS: Type.Number({ minimum: 0, maximum: 600, default: 5 }),
  SHUTDOWN_TIMEOUT_SECONDS: Type.Number({ minimum: 1, maximum: 3600, default: 30 }),
  MODEL_POLL_SECONDS: Type.Number({ minimum: 0.1, maximum: 86_400, default: 30 }),
  // How often to check the monitoring job's latest.json beside a followed alias; 0 = never.
  QUALITY_REPORT_POLL_SECONDS: Type.Number({ minimum: 0, maximum: 86_400, default: 60 }),
  MODEL_LOAD_TIMEOUT_SECONDS: Type.Number({ minimum: 1, maximum: 3600, default: 120 }),
  GCS_API_ENDPOINT: Type.Optional(Type.String({ pattern: "^https?://" })),
  GOOGLE_CLOUD_PROJECT: Type.Optional(Type.String({ minLength: 1 })),
  ONNX_THREADS: Type.Integer({ minimum: 1, maximum: 64, default: 1 }),
  // auto: XGBoost's trees compiled at load when they pass the golden gate, else ONNX Runtime.
  SCORER: Type.Enum(SCORER_CHOICES, { default: "auto" }),
  // ONNX Runtime only: calls in one event-loop turn share one run (1 = never), and while a run
  // is in flight a call may wait this long for more (src/model/coalescing-scorer.ts).
  ONNX_BATCH_MAX_ROWS: Type.Integer({ minimum: 1, maximum: 10_000, default: 64 }),
  ONNX_BATCH_WAIT_MS: Type.Number({ minimum: 0, maximum: 1, default: 0 }),
  MAX_EVENT_LOOP_DELAY_MS: Type.Integer({ minimum: 0, default: 1000 }),
  // The instance field that carries the caller's id of a lead: not a feature, echoed, logged.
  LEAD_ID_FIELD: Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_.-]{0,127}$", default: "lead_id" }),
  // The prediction log (README "Monitoring"): off, stdout (Cloud Logging) or gcs (NDJSON).
  PREDICTION_LOG: Type.Enum(["off", "stdout", "gcs"], { default: "off" }),
  PREDICTION_LOG_URI: Type.Optional(Type.String({ pattern: "^gs://[^/]+" })),
  PREDICTION_LOG_SAMPLE_RATE: Type.Number({ minimum: 0, maximum: 1, default: 1 }),
  PREDICTION_LOG_FIELDS: Type.String({ default: "" }),
  PREDICTION_LOG_EXCLUDE_FIELDS: Type.String({ default: "" }),
  PREDICTION_LOG_BUFFER: Type.Integer({ minimum: 1, maximum: 10_000_000, default: 100_000 }),
  PREDICTION_LOG_BATCH_RECORDS: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1000 }),
  PREDICTION_LOG_BATCH_SECONDS: Type.Number({ minimum: 0.01, maximum: 3600, default: 10 }),
  // Online drift per served version (docs/monitoring.md).
  MONITORING_ENABLED: Type.Boolean({ default: true }),
  DRIFT_WINDOW_SIZE: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 10_000 }),
  DRIFT_WINDOW_SECONDS: Type.Number({ exclusiveMinimum: 0, maximum: 30 * 86_400, default: 3600 }),
  DRIFT_THRESHOLD: Type.Number({ exclusiveMinimum: 0, default: 0.3 }),
  // field=threshold pairs, comma-separated: "total_visits=0.2,lead_origin=0.5".
  DRIFT_THRESHOLDS: Type.String({ default: "" }),
  // API keys and rate limits (README "API keys and rate limits"): off unless API_KEYS_FILE is set.
  API_KEYS_FILE: Type.Optional(Type.String({ minLength: 1 })),
  API_KEYS_POLL_SECONDS: Type.Number({ minimum: 0.1, maximum: 3600, default: 5 }),
  // Requests per RATE_LIMIT_WINDOW per client IP (keys off) or per key without a quota; 0 = none.
  RATE_LIMIT_MAX: Type.Integer({ minimum: 0, default: 0 }),
  RATE_LIMIT_WINDOW: Type.String({ minLength: 1, default: "1 minute" }),
  // Swagger UI at /docs and /openapi.json: served to all, not at all, or to admin keys only.
  DOCS: Type.Enum(["on", "off", "admin"], { default: "on" }),
  // Rollouts (docs/rollouts.md): follow <model>/rollouts/<alias>.json beside a followed alias.
  ROLLOUTS_ENABLED: Type.Boolean({ default: true }),
  // Shadow scorings waiting for the candidate; more are dropped and counted.
  SHADOW_QUEUE_SIZE: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1000 }),
  // Shadow agreement: production and candidate decide alike at this score (or the request's).
  SHADOW_DECISION_THRESHOLD: Type.Number({ minimum: 0, maximum: 1, default: 0.5 }),
  // How often a replica checks the candidate's guardrails.
  ROLLOUT_GUARDRAIL_CHECK_SECONDS: Type.Number({ minimum: 0.1, maximum: 3600, default: 5 }),
  // The lead-scoring web page at /app/ (README "Web page"); "/" redirects there when on.
  WEB_UI: Type.Enum(["on", "off"], { default: "on" }),
  // Vertex AI custom-container variables, set by the platform (never by us).
  AIP_HTTP_PORT: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
  AIP_HEALTH_ROUTE: Type.Optional(Route),
  AIP_PREDICT_ROUTE: Type.Optional(Route),
  AIP_STORAGE_URI: Type.Optional(Type.String({ minLength: 1 })),
});
export type Env = Static<typeof EnvSchema>;

export interface Config {
  readonly port: number;
  readonly host: string;
  /** Port of the separate /metrics listener; 0 = /metrics on the API port. */
  readonly metricsPort: number;
  /** Local directory or gs:// URI of a version directory or of a model in a registry. */
  readonly modelUri: string;
  readonly maxBatchSize: number;
  /** Longest string value (category) an instance field may carry. */
  readonly maxStringLength: number;
  readonly bodyLimitBytes: number;
  readonly logLevel: string;
  /** Browser origins allowed by CORS; empty = CORS off; ["*"] = any origin. */
  readonly corsOrigins: readonly string[];
  readonly httpTimeouts: HttpTimeouts;
  /** Access-Control-Max-Age of a preflight's answer, in seconds. */
  readonly corsMaxAgeSeconds: number;
  readonly drainSeconds: number;
  readonly shutdownTimeoutSeconds: number;
  readonly modelLoadTimeoutSeconds: number;
  /** How often to check the alias of a MODEL_URI ending in @alias. */
  readonly modelPollSeconds: number;
  /** How often to check `<registry>/<model>/monitoring/latest.json` (alias sources); 0 = off. */
  readonly qualityReportPollSeconds: number;
  readonly gcsApiEndpoint: string | undefined;
  readonly gcpProject: string | undefined;
  readonly onnxThreads: number;
  /** Which runtime scores a version: compiled trees, ONNX Runtime, or auto (trees when proven). */
  readonly scorer: ScorerChoice;
  /** Micro-batching of ONNX Runtime calls (when ONNX serves). */
  readonly onnxBatch: { readonly maxRows: number; readonly maxWaitMs: number };
  readonly maxEventLoopDelayMs: number;
  /** The instance field that carries a lead's id (not a feature). */
  readonly leadIdField: string;
  readonly predictionLog: PredictionLogConfig;
  /** Extra routes Vertex AI asks for, served in addition to /health and /predict. */
  readonly healthRoute: string | undefined;
  readonly predictRoute: string | undefined;
  /** Online drift monitoring; undefined when MONITORING_ENABLED is false. */
  readonly drift: DriftConfig | undefined;
  readonly access: AccessConfig;
  readonly rollouts: RolloutConfig;
  /** Serve the web page (/app/) and the widget (/app/lead-score.js). */
  readonly webUi: boolean;
}

/** Shadow and canary rollouts of a candidate beside a followed alias (docs/rollouts.md). */
export interface RolloutConfig {
  /** Follow the rollout state at all; only with a MODEL_URI ending in @alias. */
  readonly enabled: boolean;
  readonly shadowQueueSize: number;
  readonly decisionThreshold: number;
  readonly guardrailCheckSeconds: number;
}

export interface AccessConfig {
  /** The API keys file (YAML or JSON); undefined = keys off, every route open. */
  readonly apiKeysFile: string | undefined;
  /** How often the keys file is checked for a new version. */
  readonly apiKeysPollSeconds: number;
  /** Per client IP (keys off) or per key without a quota in the file; undefined = no limit. */
  readonly rateLimit: { readonly max: number; readonly timeWindowMs: number } | undefined;
  /** /docs and /openapi.json: on (open), off (not served) or admin (admin keys only). */
  readonly docs: "on" | "off" | "admin";
}

/** The API listener's timeouts, in milliseconds (README "Keep-alive and timeouts"). */
export interface HttpTimeouts {
  /** How long a connection with no request in progress stays open. */
  readonly keepAliveMs: number;
  /** From a request's first byte to the end of its headers. */
  readonly headersMs: number;
  /** From a request's first byte to the end of its body. */
  readonly requestMs: number;
}

export interface DriftConfig {
  /** Most recent instances a version's window holds. */
  readonly windowSize: number;
  /** Oldest instance a window holds, in seconds. */
  readonly windowSeconds: number;
  /** Alert threshold of a field without its own. */
  readonly threshold: number;
  /** Per-field alert thresholds. */
  readonly thresholds: ReadonlyMap<string, number>;
}

export interface PredictionLogConfig {
  readonly sink: "off" | "stdout" | "gcs";
  /** gs://bucket/prefix of the NDJSON objects (sink "gcs"). */
  readonly uri: string | undefined;
  /** Share of scored instances that become records, 0 to 1. */
  readonly sampleRate: number;
  /** Input fields to keep (allowlist); undefined = every field not excluded. */
  readonly fields: readonly string[] | undefined;
  /** Input fields to leave out (denylist), e.g. PII. */
  readonly excludeFields: readonly string[];
  /** Most records waiting for the sink; more are dropped and counted. */
  readonly bufferRecords: number;
  /** A batch is written when it has this many records… */
  readonly batchRecords: number;
  /** …or when its oldest record is this old. */
  readonly batchSeconds: number;
}

/**
 * Reads and validates the environment once at start-up. A bad value throws a ConfigError whose
 * message names the variable and what was expected, so the process can exit with it.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  let parsed: Env;
  try {
    parsed = envSchema<Env>({ schema: EnvSchema, data: env, dotenv: false });
  } catch (error) {
    throw new ConfigError(`invalid configuration: ${describeEnvError(error)}`, { cause: error });
  }
  const predictionLog = predictionLogConfig(parsed);
  return Object.freeze({
    port: parsed.AIP_HTTP_PORT ?? parsed.PORT,
    host: parsed.HOST,
    metricsPort: parsed.METRICS_PORT,
    modelUri: parsed.MODEL_URI ?? parsed.AIP_STORAGE_URI ?? BUILT_IN_MODEL_URI,
    maxBatchSize: parsed.MAX_BATCH_SIZE,
    maxStringLength: parsed.MAX_STRING_LENGTH,
    bodyLimitBytes: parsed.BODY_LIMIT_BYTES,
    logLevel: parsed.LOG_LEVEL,
    corsOrigins: corsOrigins(parsed.CORS_ORIGINS),
    corsMaxAgeSeconds: parsed.CORS_MAX_AGE_SECONDS,
    httpTimeouts: httpTimeouts(parsed),
    drainSeconds: parsed.DRAIN_SECONDS,
    shutdownTimeoutSeconds: parsed.SHUTDOWN_TIMEOUT_SECONDS,
    modelLoadTimeoutSeconds: parsed.MODEL_LOAD_TIMEOUT_SECONDS,
    modelPollSeconds: parsed.MODEL_POLL_SECONDS,
    qualityReportPollSeconds: parsed.QUALITY_REPORT_POLL_SECONDS,
    gcsApiEndpoint: parsed.GCS_API_ENDPOINT,
    gcpProject: parsed.GOOGLE_CLOUD_PROJECT,
    onnxThreads: parsed.ONNX_THREADS,
    scorer: parsed.SCORER,
    onnxBatch: { maxRows: parsed.ONNX_BATCH_MAX_ROWS, maxWaitMs: parsed.ONNX_BATCH_WAIT_MS },
    maxEventLoopDelayMs: parsed.MAX_EVENT_LOOP_DELAY_MS,
    leadIdField: parsed.LEAD_ID_FIELD,
    predictionLog,
    healthRoute: parsed.AIP_HEALTH_ROUTE,
    predictRoute: parsed.AIP_PREDICT_ROUTE,
    drift: parsed.MONITORING_ENABLED
      ? {
          windowSize: parsed.DRIFT_WINDOW_SIZE,
          windowSeconds: parsed.DRIFT_WINDOW_SECONDS,
          threshold: parsed.DRIFT_THRESHOLD,
          thresholds: parseThresholds(parsed.DRIFT_THRESHOLDS),
        }
      : undefined,
    access: accessConfig(parsed),
    rollouts: {
      enabled: parsed.ROLLOUTS_ENABLED,
      shadowQueueSize: parsed.SHADOW_QUEUE_SIZE,
      decisionThreshold: parsed.SHADOW_DECISION_THRESHOLD,
      guardrailCheckSeconds: parsed.ROLLOUT_GUARDRAIL_CHECK_SECONDS,
    },
    webUi: parsed.WEB_UI === "on",
  });
}

function accessConfig(parsed: Env): AccessConfig {
  const timeWindowMs = parseTimeWindow(parsed.RATE_LIMIT_WINDOW);
  if (timeWindowMs === undefined) {
    throw new ConfigError(
      `invalid configuration: RATE_LIMIT_WINDOW must be a duration such as "1 minute" or "30s"; got "${parsed.RATE_LIMIT_WINDOW}"`,
    );
  }
  if (parsed.DOCS === "admin" && parsed.API_KEYS_FILE === undefined) {
    throw new ConfigError(
      "invalid configuration: DOCS=admin needs API_KEYS_FILE (without keys nobody is an admin); use DOCS=off to hide the documentation",
    );
  }
  return {
    apiKeysFile: parsed.API_KEYS_FILE,
    apiKeysPollSeconds: parsed.API_KEYS_POLL_SECONDS,
    rateLimit: parsed.RATE_LIMIT_MAX > 0 ? { max: parsed.RATE_LIMIT_MAX, timeWindowMs } : undefined,
    docs: parsed.DOCS,
  };
}

/**
 * A rate-limit window in milliseconds: a positive integer of milliseconds, or a duration such as
 * "1 minute" or "30s" read by @lukeed/ms, the parser @fastify/rate-limit itself uses, so a window
 * means the same here as in the plugin's options. undefined when it is not a duration.
 */
export function parseTimeWindow(window: string | number): number | undefined {
  const ms = typeof window === "number" ? window : parseDuration(window);
  return ms !== undefined && Number.isFinite(ms) && ms >= 1 ? Math.round(ms) : undefined;
}

function predictionLogConfig(parsed: Env): PredictionLogConfig {
  const fields = commaList(parsed.PREDICTION_LOG_FIELDS);
  const excludeFields = commaList(parsed.PREDICTION_LOG_EXCLUDE_FIELDS);
  if (fields.length > 0 && excludeFields.length > 0) {
    throw new ConfigError(
      "invalid configuration: set PREDICTION_LOG_FIELDS (allowlist) or " +
        "PREDICTION_LOG_EXCLUDE_FIELDS (denylist), not both",
    );
  }
  if (parsed.PREDICTION_LOG === "gcs" && parsed.PREDICTION_LOG_URI === undefined) {
    throw new ConfigError(
      "invalid configuration: PREDICTION_LOG=gcs needs PREDICTION_LOG_URI (gs://bucket/prefix)",
    );
  }
  return {
    sink: parsed.PREDICTION_LOG,
    uri: parsed.PREDICTION_LOG_URI,
    sampleRate: parsed.PREDICTION_LOG_SAMPLE_RATE,
    fields: fields.length > 0 ? fields : undefined,
    excludeFields,
    bufferRecords: parsed.PREDICTION_LOG_BUFFER,
    batchRecords: parsed.PREDICTION_LOG_BATCH_RECORDS,
    batchSeconds: parsed.PREDICTION_LOG_BATCH_SECONDS,
  };
}

/**
 * An origin is what a browser sends in its Origin header, which @fastify/cors compares as a
 * string: "https://app.example" or "http://localhost:3000", never a path, a trailing slash or a
 * default port. "*" (alone) allows any origin. Anything else could never match: refused.
 */
function corsOrigins(text: string): string[] {
  const origins = commaList(text);
  if (origins.includes("*")) {
    if (origins.length === 1) return origins;
    throw new ConfigError(
      `invalid configuration: CORS_ORIGINS "*" allows every origin; list no other beside it (got "${text}")`,
    );
  }
  for (const origin of origins) {
    const canonical = URL.canParse(origin) ? new URL(origin).origin : "null";
    if (canonical !== origin || !/^https?:/.test(origin)) {
      const hint =
        canonical === "null" || !/^https?:/.test(canonical)
          ? ""
          : ` (did you mean "${canonical}"?)`;
      throw new ConfigError(
        `invalid configuration: CORS_ORIGINS "${origin}" is not an origin; write http(s)://host[:port] with no path${hint}, or "*"`,
      );
    }
  }
  return origins;
}

/**
 * Node checks headers and whole-request time together (the request timeout bounds both), so it
 * refuses headers > request; so does this, with the variables' names.
 */
function httpTimeouts(parsed: Env): HttpTimeouts {
  if (parsed.HEADERS_TIMEOUT_SECONDS > parsed.REQUEST_TIMEOUT_SECONDS) {
    throw new ConfigError(
      `invalid configuration: HEADERS_TIMEOUT_SECONDS (${parsed.HEADERS_TIMEOUT_SECONDS}) must not exceed REQUEST_TIMEOUT_SECONDS (${parsed.REQUEST_TIMEOUT_SECONDS})`,
    );
  }
  // Whole milliseconds: Fastify takes integers only.
  return {
    keepAliveMs: Math.round(parsed.KEEP_ALIVE_TIMEOUT_SECONDS * 1000),
    headersMs: Math.round(parsed.HEADERS_TIMEOUT_SECONDS * 1000),
    requestMs: Math.round(parsed.REQUEST_TIMEOUT_SECONDS * 1000),
  };
}

function commaList(text: string): string[] {
  return text
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

/** "a=0.2, b=0.5" → {a: 0.2, b: 0.5}; a malformed pair or a threshold ≤ 0 is a ConfigError. */
export function parseThresholds(text: string): ReadonlyMap<string, number> {
  const thresholds = new Map<string, number>();
  for (const pair of text.split(",").map((p) => p.trim())) {
    if (pair === "") continue;
    const at = pair.lastIndexOf("=");
    const field = pair.slice(0, at).trim();
    const value = Number(pair.slice(at + 1).trim());
    if (at <= 0 || field === "" || !(value > 0) || pair.slice(at + 1).trim() === "") {
      throw new ConfigError(
        `invalid configuration: DRIFT_THRESHOLDS must be field=threshold pairs separated by commas, with thresholds > 0; got "${pair}"`,
      );
    }
    thresholds.set(field, value);
  }
  return thresholds;
}

/** env-schema reports "env/PORT must be integer"; turn that into "PORT must be integer". */
function describeEnvError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/env\//g, "").replace(/^env /, "");
}

import { randomUUID } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import type { FastifyBaseLogger } from "fastify";
import { pino, type LoggerOptions } from "pino";
import { stdoutDestination } from "./stdout-log.js";

/** pino level → Cloud Logging severity (cloud.google.com/logging/docs/structured-logging). */
const SEVERITY: Readonly<Record<string, string>> = {
  trace: "DEBUG",
  debug: "DEBUG",
  info: "INFO",
  warn: "WARNING",
  error: "ERROR",
  fatal: "CRITICAL",
};

/**
 * pino options that Cloud Logging parses as structured entries: `severity` instead of a numeric
 * level, `message` instead of `msg`, RFC 3339 `time`. Request bodies are never serialized.
 */
export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    messageKey: "message",
    timestamp: isoTimeOncePerMillisecond,
    base: undefined,
    formatters: {
      level: (label) => ({ severity: SEVERITY[label] ?? "DEFAULT" }),
    },
    // API keys arrive in Authorization or x-api-key: a logged request's headers never show them.
    redact: [
      "req.headers.authorization",
      'req.headers["x-api-key"]',
      "req.headers.cookie",
      "headers.authorization",
      'headers["x-api-key"]',
    ],
  };
}

/** A service logger in that format, writing through the process's one stdout buffer. */
export function createLogger(level: string): FastifyBaseLogger {
  return pino(loggerOptions(level), stdoutDestination());
}

let formattedMillisecond = Number.NaN;
let formattedTime = "";

/**
 * pino's `isoTime`, formatted once per millisecond rather than once per line: under load dozens
 * of request lines share a millisecond, and `toISOString` was a visible share of each request.
 */
function isoTimeOncePerMillisecond(): string {
  const now = Date.now();
  if (now !== formattedMillisecond) {
    formattedMillisecond = now;
    formattedTime = `,"time":"${new Date(now).toISOString()}"`;
  }
  return formattedTime;
}

/** What a client's X-Request-Id may look like: a UUID, a trace id, a CRM's own reference. */
const SAFE_REQUEST_ID = /^[\w.:@+=/-]{1,128}$/;

/**
 * The request's id: the client's `X-Request-Id` when it is at most 128 plain characters, else a
 * fresh UUID. The id is echoed in a response header and written into every log line of the
 * request, so an 8,000-character or control-character id is replaced, never repeated.
 */
export function requestId(headers: IncomingHttpHeaders): string {
  const sent = headers["x-request-id"];
  return typeof sent === "string" && SAFE_REQUEST_ID.test(sent) ? sent : randomUUID();
}

/**
 * Log fields that tie a request's entries to its trace in Cloud Trace, from Google's
 * `X-Cloud-Trace-Context: TRACE/SPAN;o=1` or W3C `traceparent: 00-TRACE-SPAN-FLAGS`; undefined
 * when the request carries neither.
 */
export function traceFields(
  headers: IncomingHttpHeaders,
  project: string | undefined,
): Record<string, string | boolean> | undefined {
  const trace = parseTraceHeaders(headers);
  if (trace === undefined) return undefined;
  const fields: Record<string, string | boolean> = {
    "logging.googleapis.com/trace":
      project === undefined ? trace.traceId : `projects/${project}/traces/${trace.traceId}`,
    "logging.googleapis.com/trace_sampled": trace.sampled,
  };
  if (trace.spanId !== undefined) fields["logging.googleapis.com/spanId"] = trace.spanId;
  return fields;
}

interface TraceContext {
  traceId: string;
  spanId?: string;
  sampled: boolean;
}

function parseTraceHeaders(headers: IncomingHttpHeaders): TraceContext | undefined {
  const cloud = headers["x-cloud-trace-context"];
  if (typeof cloud === "string") {
    const match = /^([0-9a-fA-F]{32})(?:\/(\d+))?(?:;o=([01]))?/.exec(cloud);
    if (match?.[1] !== undefined) {
      return { traceId: match[1].toLowerCase(), spanId: match[2], sampled: match[3] === "1" };
    }
  }
  const parent = headers.traceparent;
  if (typeof parent === "string") {
    const match = /^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(parent.trim());
    if (match?.[1] !== undefined) {
      return {
        traceId: match[1],
        spanId: match[2],
        sampled: (parseInt(match[3] ?? "0", 16) & 1) === 1,
      };
    }
  }
  return undefined;
}

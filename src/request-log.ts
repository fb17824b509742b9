import { LogController, type FastifyReply, type FastifyRequest } from "fastify";

/**
 * One log entry per request, written when it completes, in Cloud Logging's `httpRequest` shape
 * (cloud.google.com/logging/docs/reference/v2/rest/v2/LogEntry#HttpRequest), so the console
 * shows method, URL, status and latency like a load balancer's own request log. Fastify's default
 * writes two entries per request ("incoming", "completed"); at tens of thousands of requests per
 * second the second line costs more than scoring the lead. Bodies are never logged.
 */
export class RequestLog extends LogController {
  override incomingRequest(): void {
    // Deliberately nothing: the completion entry carries everything.
  }

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (this.isLogDisabled(request)) return;
    const httpRequest = {
      requestMethod: request.method,
      requestUrl: request.url,
      status: reply.statusCode,
      latency: `${(reply.elapsedTime / 1000).toFixed(6)}s`,
      remoteIp: request.ip,
      userAgent: request.headers["user-agent"],
    };
    // The API key's name (never the key: pino redacts its headers, src/logging.ts).
    const apiKey = request.apiKey?.name;
    const fields = apiKey === undefined ? { httpRequest } : { httpRequest, apiKey };
    if (error) reply.log.error({ ...fields, err: error }, "request errored");
    else reply.log.info(fields, "request completed");
  }
}

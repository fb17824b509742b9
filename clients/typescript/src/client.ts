import { DEFAULT_RETRY_POLICY, type RetryPolicy } from "./retry.js";
import {
  fillPath,
  type CallOptions,
  type HttpMethod,
  type Operation,
  type PathsFor,
  type RequestInit,
  type SuccessBody,
} from "./request.js";
import { send, type TransportOptions } from "./transport.js";
import type {
  ExplainParameters,
  ExplainResponse,
  FeedbackResponse,
  HealthResponse,
  Instance,
  Outcome,
  PredictEachResponse,
  PredictParameters,
  PredictResponse,
} from "./types.js";

export interface ClientOptions {
  /** Where the service answers, e.g. `https://scoring.example.com` (a path prefix is kept). */
  readonly baseUrl: string;
  /** Sent as `Authorization: Bearer …` when the service requires API keys. */
  readonly apiKey?: string;
  /** Each attempt's limit in milliseconds (default 10 000). */
  readonly timeoutMs?: number;
  /** Retries after the first attempt on 429, 503 and (idempotent calls) network errors; default 3. */
  readonly retries?: number;
  /** Attempts and waits of one call end within this (default 30 000 ms). */
  readonly totalTimeMs?: number;
  /** Headers sent with every call. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Another fetch (a test double, an instrumented one); default: the global fetch. */
  readonly fetch?: typeof fetch;
}

export interface LeadScoringClient {
  /** `POST /predict` (Vertex AI body): one prediction per instance, in order. */
  predict(
    instances: readonly Instance[],
    parameters?: PredictParameters,
    options?: CallOptions,
  ): Promise<PredictResponse>;
  /**
   * `POST /predict` with `parameters.partial`: one result per instance, so that one bad lead
   * does not fail a batch. A failed item is `{error, code}`, what that instance alone would get.
   */
  predictEach(
    instances: readonly Instance[],
    parameters?: Omit<PredictParameters, "partial">,
    options?: CallOptions,
  ): Promise<PredictEachResponse>;
  /** `POST /explain`: predictions plus each field's attribution. */
  explain(
    instances: readonly Instance[],
    parameters?: ExplainParameters,
    options?: CallOptions,
  ): Promise<ExplainResponse>;
  /**
   * `POST /feedback`: outcomes for leads scored with a `lead_id`. Not idempotent, so a timeout or
   * dropped connection is not retried (the outcomes may have been recorded); 429 and 503 are.
   */
  feedback(outcomes: readonly Outcome[], options?: CallOptions): Promise<FeedbackResponse>;
  /** `GET /health/ready`: resolves when the service can score; throws NOT_READY otherwise. */
  health(options?: CallOptions): Promise<HealthResponse>;
  /** Any path of the document, typed from it: KServe V1 (`/v1/models/{name}:predict`), V2, metadata. */
  request<M extends HttpMethod, P extends PathsFor<M>>(
    method: M,
    path: P,
    init: RequestInit<Operation<M, P>>,
  ): Promise<SuccessBody<Operation<M, P>>>;
}

/** Settings that would make every call fail or never end are refused at once. */
function checkOptions(options: ClientOptions): void {
  // "localhost:8080" parses as a URL of scheme "localhost:"; only http(s) can be fetched.
  const protocol = URL.canParse(options.baseUrl) ? new URL(options.baseUrl).protocol : "";
  if (protocol !== "http:" && protocol !== "https:")
    throw new TypeError(`baseUrl: expected an http(s) URL, got ${options.baseUrl}`);
  const { retries, timeoutMs, totalTimeMs } = options;
  if (retries !== undefined && !(Number.isInteger(retries) && retries >= 0))
    throw new TypeError(`retries: expected an integer ≥ 0, got ${retries}`);
  for (const [name, ms] of Object.entries({ timeoutMs, totalTimeMs })) {
    if (ms !== undefined && !(Number.isFinite(ms) && ms > 0))
      throw new TypeError(`${name}: expected milliseconds > 0, got ${ms}`);
  }
}

/** Paths whose repetition could record something twice. */
const NOT_IDEMPOTENT: ReadonlySet<string> = new Set(["/feedback"]);

export function createClient(options: ClientOptions): LeadScoringClient {
  checkOptions(options);
  const retry: RetryPolicy = {
    ...DEFAULT_RETRY_POLICY,
    ...(options.retries === undefined ? {} : { retries: options.retries }),
    ...(options.totalTimeMs === undefined ? {} : { totalTimeMs: options.totalTimeMs }),
  };
  const transport: TransportOptions = {
    baseUrl: options.baseUrl,
    apiKey: options.apiKey,
    timeoutMs: options.timeoutMs ?? 10_000,
    retry,
    headers: options.headers ?? {},
    fetch: options.fetch ?? globalThis.fetch.bind(globalThis),
  };

  async function request<M extends HttpMethod, P extends PathsFor<M>>(
    method: M,
    path: P,
    init: RequestInit<Operation<M, P>>,
  ): Promise<SuccessBody<Operation<M, P>>> {
    const { params, body, signal, requestId, retries } = init as RequestInit<unknown> & {
      params?: Readonly<Record<string, string | number>>;
      body?: unknown;
    };
    const answer = await send(transport, {
      method: method === "get" ? "GET" : "POST",
      path: fillPath(path, params),
      body,
      idempotent: !NOT_IDEMPOTENT.has(path),
      signal,
      requestId,
      retries,
    });
    // The service's responses are checked against this same document by its own tests.
    return answer as SuccessBody<Operation<M, P>>;
  }

  return {
    // Without `partial` the service answers all or nothing: no item is an instance's error.
    predict: async (instances, parameters, call = {}) =>
      (await request("post", "/predict", {
        ...call,
        body: { instances: [...instances], ...(parameters === undefined ? {} : { parameters }) },
      })) as PredictResponse,
    predictEach: (instances, parameters, call = {}) =>
      request("post", "/predict", {
        ...call,
        body: { instances: [...instances], parameters: { ...parameters, partial: true } },
      }),
    explain: (instances, parameters, call = {}) =>
      request("post", "/explain", {
        ...call,
        body: { instances: [...instances], ...(parameters === undefined ? {} : { parameters }) },
      }),
    feedback: (outcomes, call = {}) =>
      request("post", "/feedback", { ...call, body: { outcomes: [...outcomes] } }),
    health: (call = {}) => request("get", "/health/ready", call),
    request,
  };
}

import type { ModelField } from "../../../src/protocols/model-fields.js";
import { errorWords } from "./error-words.js";

/** One input field, as GET /v1/models/{name} lists it: the service's own wire type. */
export type { ModelField } from "../../../src/protocols/model-fields.js";

/** GET /v1/models/{name}; the training facts are absent from services older than the page. */
export interface ModelDescription {
  readonly name: string;
  readonly version: string;
  readonly scorer: string;
  readonly fields: readonly ModelField[];
  readonly createdAt?: string;
  readonly metrics?: Readonly<Record<string, number>>;
  readonly primaryMetric?: { readonly name: string; readonly value: number };
  /** Held-out capture/precision/lift at the top 5/10/20/30 % (capture_at_10pct, …). */
  readonly ranking?: Readonly<Record<string, number>>;
  readonly crossValidation?: {
    readonly folds: number;
    readonly repeats: number;
    readonly metrics: Readonly<Record<string, { readonly mean: number; readonly sd: number }>>;
  };
  readonly explainBaseline?: Readonly<Record<string, number | string>>;
}

export type FieldValue = number | string | null;
export type Instance = Record<string, FieldValue>;

/** One instance's explanation, from the Vertex AI shape of :explain. */
export interface Explanation {
  readonly probability: number;
  /** In the explanation's space (log-odds for a binary model). */
  readonly baseline: number;
  readonly output: number;
  readonly attributions: Readonly<Record<string, number>>;
}

interface ExplainAnswer {
  predictions: (number | { probability: number })[];
  explanations: {
    attributions: {
      baselineOutputValue: number;
      instanceOutputValue: number;
      featureAttributions: Record<string, number>;
    }[];
  }[];
}

/** What a failed call tells a person: the catalog's words, and the code for programs. */
export class ApiError extends Error {
  constructor(
    readonly status: number | undefined,
    readonly code: string | undefined,
    readonly detail: string | undefined,
  ) {
    super(errorWords(code, status));
    this.name = "ApiError";
  }
}

/** A prediction's probability, whether or not a threshold made it {probability, label}. */
export function probabilityOf(prediction: number | { probability: number }): number {
  return typeof prediction === "number" ? prediction : prediction.probability;
}

/** Calls the service at `base` ("" = this page's origin), with the key `key()` gives, if any. */
export class ServiceClient {
  constructor(
    private readonly base: string,
    private readonly key: () => string | undefined = () => undefined,
  ) {}

  async request<T>(path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    const key = this.key();
    if (key !== undefined && key !== "") headers.authorization = `Bearer ${key}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, {
        method: body === undefined ? "GET" : "POST",
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch {
      throw new ApiError(undefined, undefined, undefined);
    }
    const answer: unknown = await response.json().catch(() => undefined);
    if (!response.ok) {
      const { code, error } = (answer ?? {}) as { code?: string; error?: string };
      throw new ApiError(response.status, code, error);
    }
    return answer as T;
  }

  /** The served model: the first (only) one /v1/models lists. */
  async describeModel(): Promise<ModelDescription> {
    const { models } = await this.request<{ models: string[] }>("/v1/models");
    const name = models[0];
    if (name === undefined) throw new ApiError(503, "NOT_READY", "no model is loaded yet");
    return this.request<ModelDescription>(`/v1/models/${encodeURIComponent(name)}`);
  }

  async explain(model: string, instances: readonly Instance[]): Promise<Explanation[]> {
    const answer = await this.request<ExplainAnswer>(
      `/v1/models/${encodeURIComponent(model)}:explain`,
      { instances },
    );
    return answer.explanations.map((explanation, i) => {
      const attribution = explanation.attributions[0];
      return {
        probability: probabilityOf(answer.predictions[i] ?? Number.NaN),
        baseline: attribution?.baselineOutputValue ?? 0,
        output: attribution?.instanceOutputValue ?? 0,
        attributions: attribution?.featureAttributions ?? {},
      };
    });
  }
}

/**
 * Names for the request and response bodies, taken from the generated `paths` of openapi.yaml
 * (schema.d.ts) by path and status rather than by component name, so that they follow the
 * document when it is regenerated (`npm run client:generate`).
 */
import type { paths } from "./schema.js";

/** The JSON body of a request body or response object of the generated document. */
export type JsonBody<T> = T extends { content: { "application/json": infer Body } } ? Body : never;

type Post<P extends keyof paths> = NonNullable<paths[P]["post"]>;
type Get<P extends keyof paths> = NonNullable<paths[P]["get"]>;

export type PredictRequest = JsonBody<Post<"/predict">["requestBody"]>;
/** One lead: raw field name → number, string or null, plus the optional `lead_id`. */
export type Instance = PredictRequest["instances"][number];
export type PredictParameters = NonNullable<PredictRequest["parameters"]>;
/** The 200 body as the document has it: with `partial`, an item may be an instance's error. */
type PredictAnswer = JsonBody<Post<"/predict">["responses"][200]>;
type PredictionItem = PredictAnswer["predictions"][number];
/** One instance's error in a per-record answer: what that instance alone would have got. */
export type InstanceError = Extract<PredictionItem, { code: string }>;
/** One instance's prediction: its probability, or `{probability, label}` at a threshold. */
export type Prediction = Exclude<PredictionItem, InstanceError>;
/** `predict`'s answer: all-or-nothing, so every item is a prediction. */
export type PredictResponse = Omit<PredictAnswer, "predictions"> & { predictions: Prediction[] };
/** `predictEach`'s answer: one result per instance, a prediction or that instance's error. */
export type PredictEachResponse = PredictAnswer;

export type ExplainRequest = JsonBody<Post<"/explain">["requestBody"]>;
export type ExplainParameters = NonNullable<ExplainRequest["parameters"]>;
export type ExplainResponse = JsonBody<Post<"/explain">["responses"][200]>;

export type FeedbackRequest = JsonBody<Post<"/feedback">["requestBody"]>;
/** Whether a scored lead converted, joined to its prediction on `lead_id`. */
export type Outcome = FeedbackRequest["outcomes"][number];
export type FeedbackResponse = JsonBody<Post<"/feedback">["responses"][202]>;

export type HealthResponse = JsonBody<Get<"/health/ready">["responses"][200]>;

/** The service's error body: `{error, code}`, the same on every path. */
export type ErrorBody = JsonBody<Post<"/predict">["responses"][400]>;

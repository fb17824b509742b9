import { Type, type Static } from "typebox";
import type { DataPlaneLimits } from "../../dataplane/dataplane.js";
import { quoteInput } from "../../echo.js";
import { InvalidInputError, NotConfiguredError } from "../../errors.js";
import type { Metrics } from "../../monitoring/metrics.js";
import type { PredictionLog } from "../../monitoring/prediction-log/prediction-log.js";
import { errorResponses } from "../error-body.js";
import type { App } from "../fastify.js";

/** A semantic version, as the registry numbers versions (registry/versioning.ts). */
const SEMVER =
  "^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?$";

const Outcome = Type.Object(
  {
    lead_id: Type.String({
      minLength: 1,
      maxLength: 256,
      description: "The id the lead was scored with (the instance's lead_id, LEAD_ID_FIELD).",
    }),
    converted: Type.Boolean({ description: "Whether the lead converted." }),
    observed_at: Type.String({
      format: "date-time",
      description: "When the CRM learnt the outcome (RFC 3339).",
    }),
    model_version: Type.Optional(
      Type.String({
        pattern: SEMVER,
        maxLength: 64,
        description:
          "The version that scored the lead, if the caller kept it (not needed to join).",
      }),
    ),
  },
  { additionalProperties: false },
);

export function feedbackBodySchema(limits: DataPlaneLimits) {
  return Type.Object(
    {
      outcomes: Type.Array(Outcome, {
        minItems: 1,
        maxItems: limits.maxBatchSize,
        description: `1 to ${limits.maxBatchSize} outcomes (MAX_BATCH_SIZE), each lead_id once.`,
      }),
    },
    {
      additionalProperties: false,
      $id: "FeedbackRequest",
      title: "FeedbackRequest",
      examples: [
        { outcomes: [{ lead_id: "L-1", converted: true, observed_at: "2026-11-30T09:15:00Z" }] },
      ],
    },
  );
}
type FeedbackBody = Static<ReturnType<typeof feedbackBodySchema>>;

const FeedbackResponse = Type.Object(
  {
    accepted: Type.Integer({
      minimum: 1,
      description:
        "Outcomes queued for the prediction log's sink. The join with predictions happens " +
        "downstream, so an id no replica has scored is accepted here and counted there.",
    }),
  },
  { $id: "FeedbackResponse", title: "FeedbackResponse" },
);

/**
 * `POST /feedback`: outcomes the CRM learnt later (did the lead convert?), appended to the
 * prediction log's sink beside the predictions, to be joined on lead_id by the quality job.
 * Validated like /predict; the answer comes before any write (202: queued, not yet written).
 * With PREDICTION_LOG=off the outcomes have nowhere to go: 404 NOT_CONFIGURED.
 */
export function registerFeedbackRoutes(
  app: App,
  limits: DataPlaneLimits,
  log: PredictionLog | undefined,
  metrics: Metrics,
): void {
  app.post(
    "/feedback",
    {
      schema: {
        tags: ["monitoring"],
        summary: "Record outcomes (did each lead convert?) for the prediction log",
        body: feedbackBodySchema(limits),
        response: { 202: FeedbackResponse, ...errorResponses(400, 404, 413) },
      },
      config: { scope: "feedback" },
      onResponse: (request, reply, done) => {
        if (reply.statusCode >= 400) metrics.feedback("rejected", outcomesIn(request.body));
        done();
      },
    },
    (request, reply) => {
      if (log === undefined) {
        throw new NotConfiguredError(
          "the prediction log is off (PREDICTION_LOG=off): outcomes have nowhere to go",
        );
      }
      const { outcomes } = request.body;
      checkUnique(outcomes);
      log.outcomes(outcomes, { requestId: request.id });
      metrics.feedback("accepted", outcomes.length);
      reply.code(202);
      return { accepted: outcomes.length };
    },
  );
}

/** Two outcomes for one lead in one batch contradict or repeat each other: the caller decides. */
function checkUnique(outcomes: FeedbackBody["outcomes"]): void {
  const first = new Map<string, number>();
  outcomes.forEach((outcome, index) => {
    const earlier = first.get(outcome.lead_id);
    if (earlier !== undefined) {
      throw new InvalidInputError(
        `outcomes[${index}].lead_id ${quoteInput(outcome.lead_id)} repeats outcomes[${earlier}]; ` +
          "send one outcome per lead",
      );
    }
    first.set(outcome.lead_id, index);
  });
}

/** How many outcomes a rejected body carried (at least 1: the request itself). */
function outcomesIn(body: unknown): number {
  const outcomes =
    typeof body === "object" && body !== null && "outcomes" in body ? body.outcomes : undefined;
  return Array.isArray(outcomes) && outcomes.length > 0 ? outcomes.length : 1;
}

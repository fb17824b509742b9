import { Type, type Static } from "typebox";
import { Compile } from "typebox/compile";
import { joinPath, type ArtifactStore } from "../../storage/store.js";
import type { LatestReport } from "./latest.js";

/**
 * `<registry>/<model>/monitoring/retrain-requests/<time>.json`: what the monitoring job leaves for the
 * retrain job (`python -m pipeline retrain --if-requested`) when it alerts. The job writes it
 * `pending` with the reason (the alerting versions' alert lines, drift verdicts and quality
 * figures, and the report); the retrain job replaces it, by compare-and-swap, with `done` and
 * what it produced. This schema is the contract between the two (pipeline/retrain_requests.py
 * reads the same fields).
 */

const Figure = Type.Union([Type.Number(), Type.Null()]);

const AlertingVersion = Type.Object({
  version: Type.String({ minLength: 1 }),
  /** The report's alert lines for this version, e.g. "drift: lead_origin l_infinity 0.6 > 0.3". */
  alerts: Type.Array(Type.String(), { minItems: 1 }),
  /** The quality figures on this window's joined outcomes. */
  quality: Type.Record(Type.String(), Figure),
  /** Only the fields whose drift crossed their threshold. */
  drift: Type.Record(
    Type.String(),
    Type.Object({ statistic: Type.String(), value: Figure, threshold: Type.Number() }),
  ),
});

export const RetrainRequestSchema = Type.Object({
  schema: Type.Literal(1),
  model: Type.String({ minLength: 1 }),
  requested_at: Type.String({ format: "date-time" }),
  status: Type.Literal("pending"),
  reason: Type.Object({
    window: Type.Object({
      start: Type.String({ format: "date-time" }),
      end: Type.String({ format: "date-time" }),
    }),
    /** Full locations (gs:// or a path) of the run's JSON and HTML reports. */
    report: Type.Object({ json: Type.String(), html: Type.String() }),
    versions: Type.Array(AlertingVersion, { minItems: 1 }),
  }),
});
export type RetrainRequest = Static<typeof RetrainRequestSchema>;

/**
 * Where requests live, relative to the model's directory in the registry: under monitoring/,
 * the one prefix the monitoring job's Google service account may write
 * (infra/terraform/modules/service-identities).
 */
export const RETRAIN_REQUESTS_DIR = "monitoring/retrain-requests";

const checkRequest = Compile(RetrainRequestSchema);

/** The request an alerting run stands for; undefined when no version alerted. */
export function retrainRequestOf(
  latest: LatestReport,
  reportLocations: RetrainRequest["reason"]["report"],
): RetrainRequest | undefined {
  const versions = latest.versions
    .filter((version) => version.alerts.length > 0)
    .map((version) => ({
      version: version.version,
      alerts: version.alerts,
      quality: version.quality,
      drift: Object.fromEntries(
        Object.entries(version.drift)
          .filter(([, verdict]) => verdict.alerting)
          .map(([field, { statistic, value, threshold }]) => [
            field,
            { statistic, value, threshold },
          ]),
      ),
    }));
  if (versions.length === 0) return undefined;
  return {
    schema: 1,
    model: latest.model,
    requested_at: latest.generated_at,
    status: "pending",
    reason: { window: latest.window, report: reportLocations, versions },
  };
}

/**
 * Writes the request create-if-absent under a name from its time (colons left out: they are
 * awkward in gsutil and on some file systems); returns its path relative to the store's root.
 * A request is never overwritten: the retrain job owns it once it exists.
 */
export async function writeRetrainRequest(
  store: ArtifactStore,
  request: RetrainRequest,
): Promise<string> {
  if (!checkRequest.Check(request)) {
    const problems = [...checkRequest.Errors(request)]
      .slice(0, 3)
      .map((e) => `${e.instancePath} ${e.message}`);
    throw new Error(`the job built an invalid retrain request: ${problems.join("; ")}`);
  }
  const name = `${request.requested_at.replaceAll(":", "")}.json`;
  const path = joinPath(request.model, RETRAIN_REQUESTS_DIR, name);
  await store.create(path, Buffer.from(`${JSON.stringify(request, null, 2)}\n`));
  return path;
}

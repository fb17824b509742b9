import { Type } from "typebox";
import type { DataPlane } from "../../dataplane/dataplane.js";
import type { DriftReport } from "../../monitoring/drift/monitor.js";
import type { Metrics } from "../../monitoring/metrics.js";
import { DATA_PLANE_ERRORS } from "../error-body.js";
import type { App } from "../fastify.js";

const Nullable = (description: string) => Type.Union([Type.Number(), Type.Null()], { description });

const FieldDrift = Type.Object({
  field: Type.String(),
  type: Type.Union([Type.Literal("numeric"), Type.Literal("categorical")]),
  statistic: Type.Union([Type.Literal("jensen_shannon"), Type.Literal("l_infinity")], {
    description: "The statistic that alerts: Jensen–Shannon (base 2) or L-infinity.",
  }),
  value: Nullable("Its value; null while the window holds no value of the field."),
  threshold: Type.Number(),
  alerting: Type.Boolean({ description: "value > threshold" }),
  statistics: Type.Object({
    jensen_shannon: Nullable("Numeric fields: over the bins of present values."),
    l_infinity: Nullable("Categorical fields: over every category, missing and unseen."),
    psi: Nullable("Population Stability Index (natural log, empty bins at 1e-4)."),
    missing_rate_delta: Nullable("Live missing share minus the baseline's."),
    unseen_rate: Nullable("Categorical fields: share of categories the baseline never saw."),
  }),
  count: Type.Integer({ description: "Instances in the window that counted for this field." }),
  bins: Type.Array(
    Type.Object({
      label: Type.String(),
      baseline: Type.Number(),
      live: Type.Number(),
      count: Type.Integer(),
    }),
  ),
});

export const MonitoringResponse = Type.Object({
  model: Type.String(),
  version: Type.String(),
  enabled: Type.Boolean({
    description: "False when MONITORING_ENABLED is false or the version has no baselines.",
  }),
  window: Type.Object({
    size: Type.Integer({ description: "Instances in the window now." }),
    capacity: Type.Integer({ description: "DRIFT_WINDOW_SIZE" }),
    seconds: Type.Number({ description: "DRIFT_WINDOW_SECONDS" }),
  }),
  fields: Type.Array(FieldDrift),
  score: Type.Optional(FieldDrift),
});

/** `GET /v1/models/<name>/monitoring`: the drift of the version serving now, as JSON. */
export function registerMonitoringRoute(app: App, dataPlane: DataPlane, metrics: Metrics): void {
  app.get(
    "/v1/models/:name([^/:]+)/monitoring",
    {
      schema: {
        tags: ["monitoring"],
        summary: "Drift of the live inputs and scores from the version's baselines",
        params: Type.Object({ name: Type.String({ examples: ["lead-scoring"] }) }),
        response: { 200: MonitoringResponse, ...DATA_PLANE_ERRORS },
      },
      config: { scope: "admin" },
    },
    (request) => {
      const model = dataPlane.model(request.params.name);
      const report: DriftReport | undefined = metrics.drift
        ?.find(model.name, model.version)
        ?.report();
      if (report !== undefined) return { ...report, enabled: true };
      return {
        model: model.name,
        version: model.version,
        enabled: false,
        window: { size: 0, capacity: 0, seconds: 0 },
        fields: [],
      };
    },
  );
}

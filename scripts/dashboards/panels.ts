/**
 * The panels of the service's dashboards, written once: grafana.ts and cloud-monitoring.ts turn
 * them into a Grafana dashboard (shipped in the chart) and a Cloud Monitoring dashboard (for
 * Managed Prometheus users), so both show the same queries. `{sel}` in a query stands for the
 * namespace matcher each flavour uses (a Grafana variable, or a literal namespace).
 */

export interface Query {
  readonly expr: string;
  /** Grafana's legend: `{{label}}` placeholders. */
  readonly legend: string;
}

export type Unit = "reqps" | "percentunit" | "s" | "bytes" | "short";

export interface Panel {
  readonly title: string;
  readonly unit: Unit;
  readonly queries: readonly Query[];
}

export interface Row {
  readonly title: string;
  readonly panels: readonly Panel[];
}

/** API traffic only: probes and /metrics are not what users see. */
const API = `{sel},route!~"/health.*|/metrics"`;

export const ROWS: readonly Row[] = [
  {
    title: "Requests (RED) per route and version",
    panels: [
      {
        title: "Request rate by route",
        unit: "reqps",
        queries: [
          {
            expr: `sum by (route) (rate(lead_scoring_http_requests_total{${API}}[5m]))`,
            legend: "{{route}}",
          },
        ],
      },
      {
        title: "5xx ratio by route",
        unit: "percentunit",
        queries: [
          {
            expr:
              `sum by (route) (rate(lead_scoring_http_requests_total{${API},status_code=~"5.."}[5m]))` +
              ` / sum by (route) (rate(lead_scoring_http_requests_total{${API}}[5m]))`,
            legend: "{{route}}",
          },
        ],
      },
      {
        title: "p99 latency by route",
        unit: "s",
        queries: [
          {
            expr: `histogram_quantile(0.99, sum by (le, route) (rate(lead_scoring_http_request_duration_seconds_bucket{${API}}[5m])))`,
            legend: "{{route}}",
          },
        ],
      },
      {
        title: "Scored requests by model version",
        unit: "reqps",
        queries: [
          {
            expr: `sum by (version) (rate(lead_scoring_inference_duration_seconds_count{{sel}}[5m]))`,
            legend: "{{version}}",
          },
        ],
      },
      {
        title: "SLIs over 1 hour (recording rules)",
        unit: "percentunit",
        queries: [
          {
            expr: `1 - max(lead_scoring:api_error_ratio:rate1h{{sel}})`,
            legend: "availability",
          },
          {
            expr: `1 - max(lead_scoring:api_slow_ratio:rate1h{{sel}})`,
            legend: "within the latency threshold",
          },
        ],
      },
    ],
  },
  {
    title: "Inference and explanations",
    panels: [
      {
        title: "Inference latency by version",
        unit: "s",
        queries: [0.5, 0.99].map((q) => ({
          expr: `histogram_quantile(${q}, sum by (le, version) (rate(lead_scoring_inference_duration_seconds_bucket{{sel}}[5m])))`,
          legend: `p${q * 100} {{version}}`,
        })),
      },
      {
        title: "Explain latency by method",
        unit: "s",
        queries: [0.5, 0.99].map((q) => ({
          expr: `histogram_quantile(${q}, sum by (le, method) (rate(lead_scoring_explain_duration_seconds_bucket{{sel}}[5m])))`,
          legend: `p${q * 100} {{method}}`,
        })),
      },
      {
        title: "Batch size (instances per request)",
        unit: "short",
        queries: [0.5, 0.99].map((q) => ({
          expr: `histogram_quantile(${q}, sum by (le) (rate(lead_scoring_inference_batch_size_bucket{{sel}}[5m])))`,
          legend: `p${q * 100}`,
        })),
      },
    ],
  },
  {
    title: "Model",
    panels: [
      {
        title: "Pods serving each model version",
        unit: "short",
        queries: [
          {
            expr: `sum by (name, version) (lead_scoring_model_info{{sel}})`,
            legend: "{{name}} {{version}}",
          },
        ],
      },
      {
        title: "Model loads and refused reloads (1h)",
        unit: "short",
        queries: [
          {
            expr: `sum by (result) (increase(lead_scoring_model_loads_total{{sel}}[1h]))`,
            legend: "loads: {{result}}",
          },
          {
            expr: `sum by (version) (increase(lead_scoring_model_reload_failures_total{{sel}}[1h]))`,
            legend: "refused {{version}}",
          },
        ],
      },
    ],
  },
  {
    title: "Process",
    panels: [
      {
        title: "Event-loop lag p99 by pod",
        unit: "s",
        queries: [
          {
            expr: `max by (pod) (nodejs_eventloop_lag_p99_seconds{{sel}})`,
            legend: "{{pod}}",
          },
        ],
      },
      {
        title: "Heap used and RSS by pod",
        unit: "bytes",
        queries: [
          {
            expr: `sum by (pod) (nodejs_heap_size_used_bytes{{sel}})`,
            legend: "heap {{pod}}",
          },
          {
            expr: `max by (pod) (process_resident_memory_bytes{{sel}})`,
            legend: "rss {{pod}}",
          },
        ],
      },
      {
        title: "Shed requests (503 from pods serving a model)",
        unit: "reqps",
        queries: [
          {
            expr:
              `sum by (pod) (rate(lead_scoring_http_requests_total{${API},status_code="503"}[5m])` +
              ` and on (namespace, pod) (lead_scoring_model_info{{sel}} == 1))`,
            legend: "{{pod}}",
          },
        ],
      },
    ],
  },
  {
    title: "Drift and quality",
    panels: [
      {
        title: "Feature drift per field (alerting statistic)",
        unit: "short",
        queries: [
          {
            expr: `max by (version, field) (lead_scoring_feature_drift{{sel},statistic=~"jensen_shannon|l_infinity"})`,
            legend: "{{version}} {{field}}",
          },
        ],
      },
      {
        title: "Prediction drift",
        unit: "short",
        queries: [
          {
            expr: `max by (version, statistic) (lead_scoring_prediction_drift{{sel}})`,
            legend: "{{version}} {{statistic}}",
          },
        ],
      },
      {
        title: "Model quality (monitoring job)",
        unit: "short",
        queries: [
          {
            expr: `max by (version, metric) (lead_scoring_model_quality{{sel},metric=~"roc_auc|pr_auc|f1|brier"})`,
            legend: "{{version}} {{metric}}",
          },
        ],
      },
      {
        title: "Joined outcomes and report age (monitoring job)",
        unit: "short",
        queries: [
          {
            expr: `max by (version) (lead_scoring_model_quality_outcomes{{sel}})`,
            legend: "outcomes {{version}}",
          },
          {
            expr: `(time() - max(lead_scoring_monitoring_report_timestamp_seconds{{sel}})) / 3600`,
            legend: "report age (hours)",
          },
        ],
      },
    ],
  },
];

/** Every query of every panel, with `{sel}` replaced. */
export function allQueries(selector: string): string[] {
  return ROWS.flatMap((row) =>
    row.panels.flatMap((panel) => panel.queries.map((q) => q.expr.replaceAll("{sel}", selector))),
  );
}

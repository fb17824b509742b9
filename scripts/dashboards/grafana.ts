import { ROWS, type Panel } from "./panels.js";

/**
 * The Grafana dashboard (schemaVersion 39 JSON model) of panels.ts: a Prometheus data source
 * variable (GMP's frontend or any Prometheus), a namespace variable, one row per topic, two
 * time-series panels per line.
 */
export const GRAFANA_UID = "lead-scoring";
const SELECTOR = 'namespace="$namespace"';
const DATASOURCE = { type: "prometheus", uid: "${datasource}" };
const WIDTH = 12;
const HEIGHT = 8;

export function grafanaDashboard(): Record<string, unknown> {
  let id = 0;
  let y = 0;
  const panels: Record<string, unknown>[] = [];
  for (const row of ROWS) {
    panels.push({
      type: "row",
      id: ++id,
      title: row.title,
      collapsed: false,
      gridPos: { x: 0, y: y++, w: 24, h: 1 },
      panels: [],
    });
    row.panels.forEach((panel, index) => {
      panels.push(timeSeries(panel, ++id, { x: (index % 2) * WIDTH, y, w: WIDTH, h: HEIGHT }));
      if (index % 2 === 1 || index === row.panels.length - 1) y += HEIGHT;
    });
  }
  return {
    uid: GRAFANA_UID,
    title: "Lead scoring",
    description:
      "RED, model, process, drift and quality of the lead-scoring service (docs/runbooks.md).",
    tags: ["lead-scoring"],
    schemaVersion: 39,
    version: 1,
    editable: true,
    time: { from: "now-6h", to: "now" },
    refresh: "1m",
    templating: {
      list: [
        { name: "datasource", label: "Data source", type: "datasource", query: "prometheus" },
        {
          name: "namespace",
          label: "Namespace",
          type: "query",
          datasource: DATASOURCE,
          query: {
            query: "label_values(lead_scoring_http_requests_total, namespace)",
            refId: "namespaces",
          },
          refresh: 2,
        },
      ],
    },
    panels,
  };
}

function timeSeries(
  panel: Panel,
  id: number,
  gridPos: { x: number; y: number; w: number; h: number },
): Record<string, unknown> {
  return {
    type: "timeseries",
    id,
    title: panel.title,
    datasource: DATASOURCE,
    gridPos,
    fieldConfig: { defaults: { unit: panel.unit }, overrides: [] },
    options: { legend: { displayMode: "list", placement: "bottom" } },
    targets: panel.queries.map((query, index) => ({
      refId: String.fromCharCode(65 + index),
      datasource: DATASOURCE,
      expr: query.expr.replaceAll("{sel}", SELECTOR),
      legendFormat: query.legend,
    })),
  };
}

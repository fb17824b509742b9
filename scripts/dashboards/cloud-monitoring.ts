import { ROWS, type Unit } from "./panels.js";

/**
 * The Cloud Monitoring dashboard of panels.ts, for Managed Prometheus users
 * (`gcloud monitoring dashboards create --config-from-file=...`): a mosaicLayout of 48 columns,
 * a collapsible group per row, and an xyChart per panel whose data sets are PromQL queries
 * (TimeSeriesQuery.prometheusQuery). Queries select the namespace `NAMESPACE`.
 */
export const NAMESPACE = "lead-scoring";
const COLUMNS = 48;
const WIDTH = 24;
const HEIGHT = 16;

/** Cloud Monitoring's unit strings (UCUM) for the Grafana units of panels.ts. */
const UNITS: Record<Unit, string> = {
  reqps: "1/s",
  percentunit: "10^2.%",
  s: "s",
  bytes: "By",
  short: "1",
};

export function cloudMonitoringDashboard(): Record<string, unknown> {
  const tiles: Record<string, unknown>[] = [];
  let y = 0;
  for (const row of ROWS) {
    const rows = Math.ceil(row.panels.length / 2);
    tiles.push({
      xPos: 0,
      yPos: y,
      width: COLUMNS,
      height: 4 + rows * HEIGHT,
      widget: { title: row.title, collapsibleGroup: { collapsed: false } },
    });
    y += 4;
    row.panels.forEach((panel, index) => {
      tiles.push({
        xPos: (index % 2) * WIDTH,
        yPos: y + Math.floor(index / 2) * HEIGHT,
        width: WIDTH,
        height: HEIGHT,
        widget: {
          title: panel.title,
          xyChart: {
            chartOptions: { mode: "COLOR" },
            dataSets: panel.queries.map((query) => ({
              plotType: "LINE",
              targetAxis: "Y1",
              timeSeriesQuery: {
                prometheusQuery: query.expr.replaceAll("{sel}", `namespace="${NAMESPACE}"`),
                unitOverride: UNITS[panel.unit],
              },
            })),
            yAxis: { scale: "LINEAR" },
          },
        },
      });
    });
    y += rows * HEIGHT;
  }
  return {
    displayName: "Lead scoring",
    labels: { "lead-scoring": "" },
    mosaicLayout: { columns: COLUMNS, tiles },
  };
}

import * as Plot from "@observablehq/plot";
import { ApiError, type ModelDescription, type ServiceClient } from "../shared/api.js";
import { labelColumn, withoutInlineStyle } from "./chart-frame.js";
import { renderQuality } from "./quality-table.js";

interface FieldDrift {
  field: string;
  value: number | null;
  threshold: number;
  alerting: boolean;
}
interface Monitoring {
  enabled: boolean;
  window: { size: number };
  fields: FieldDrift[];
}

function fact(list: HTMLElement, term: string, value: string): void {
  const dt = document.createElement("dt");
  dt.textContent = term;
  const dd = document.createElement("dd");
  dd.textContent = value;
  list.append(dt, dd);
}

function trainedOn(createdAt: string | undefined): string {
  if (createdAt === undefined) return "not recorded";
  const date = new Date(createdAt);
  return Number.isNaN(date.getTime()) ? createdAt : date.toUTCString();
}

function renderMetrics(table: HTMLTableElement, model: ModelDescription): void {
  const metrics = Object.entries(model.metrics ?? {});
  table.replaceChildren();
  const caption = table.createCaption();
  caption.className = "visually-hidden";
  caption.textContent = "Held-out metrics";
  for (const [name, value] of metrics) {
    const row = table.insertRow();
    const th = document.createElement("th");
    th.scope = "row";
    th.textContent = name === model.primaryMetric?.name ? `${name} (primary)` : name;
    row.append(th);
    row.insertCell().textContent = Number.isInteger(value) ? String(value) : value.toFixed(4);
  }
  if (metrics.length === 0) table.insertRow().insertCell().textContent = "None recorded.";
}

/** The drift of each field against its alert threshold, from the monitoring JSON (admin keys). */
async function renderDrift(client: ServiceClient, model: ModelDescription, container: HTMLElement) {
  let monitoring: Monitoring;
  try {
    monitoring = await client.request<Monitoring>(
      `/v1/models/${encodeURIComponent(model.name)}/monitoring`,
    );
  } catch (error) {
    const needsAdmin = error instanceof ApiError && (error.status === 401 || error.status === 403);
    container.textContent = needsAdmin
      ? "Drift is shown to admin keys only."
      : `Drift is not available: ${error instanceof Error ? error.message : String(error)}.`;
    return;
  }
  const measured = monitoring.fields.filter((field) => field.value !== null);
  if (!monitoring.enabled || measured.length === 0) {
    container.textContent = monitoring.enabled
      ? "No live traffic scored yet: no drift to show."
      : "Drift monitoring is off for this version.";
    return;
  }
  const labels = new Map(model.fields.map((field) => [field.name, field.displayName]));
  const data = measured.map((field) => ({
    label: labels.get(field.field) ?? field.field,
    value: field.value ?? 0,
    threshold: field.threshold,
    state: field.alerting ? "over its threshold" : "within its threshold",
    title: `${labels.get(field.field) ?? field.field}: ${(field.value ?? 0).toFixed(3)} (threshold ${field.threshold})`,
  }));
  const { width, marginLeft, tickFormat } = labelColumn(
    container,
    data.map((d) => d.label),
  );
  const chart = Plot.plot({
    width,
    height: 40 + 20 * data.length,
    marginLeft,
    style: { fontSize: "12px" },
    ariaLabel: `Drift of each field over the last ${monitoring.window.size} leads`,
    x: { label: "drift (0 = as in training)", grid: true },
    y: { label: null, domain: data.map((d) => d.label), tickFormat },
    color: {
      domain: ["within its threshold", "over its threshold"],
      range: ["#1f6fb4", "#a4161a"],
      legend: true,
    },
    marks: [
      Plot.barX(data, {
        y: "label",
        x: "value",
        fill: "state",
        title: "title",
        ariaLabel: "title",
      }),
      Plot.tickX(data, { y: "label", x: "threshold", stroke: "#1b1f24", ariaHidden: "true" }),
    ],
  });
  container.replaceChildren(withoutInlineStyle(chart));
}

/**
 * Name, version, scorer, training date, lift and metrics of the served version, and its drift.
 */
export function renderModelPanel(client: ServiceClient, model: ModelDescription): Promise<void> {
  const facts = document.getElementById("model-facts")!;
  facts.replaceChildren();
  fact(facts, "Name", model.name);
  fact(facts, "Version", model.version);
  fact(facts, "Scorer", model.scorer === "trees" ? "compiled trees" : "ONNX Runtime");
  fact(facts, "Trained", trainedOn(model.createdAt));
  renderQuality(document.getElementById("model-quality") as HTMLTableElement, model);
  renderMetrics(document.getElementById("model-metrics") as HTMLTableElement, model);
  return renderDrift(client, model, document.getElementById("drift")!);
}

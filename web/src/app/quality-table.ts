import type { ModelDescription } from "../shared/api.js";

/**
 * The panel's training quality in a sales team's terms: ROC-AUC, and what calling the top 10 %
 * and 20 % of leads by score was worth (lift over random calling, the share of all conversions
 * reached), on the held-out split and over the folds (mean ± sd). Each figure cell carries its
 * exact value in data-value, so that a test can hold it against the metadata.
 */
const ROWS: readonly { metric: string; label: string; format: (x: number) => string }[] = [
  { metric: "roc_auc", label: "ROC-AUC", format: (x) => x.toFixed(4) },
  { metric: "lift_at_10pct", label: "Lift, top 10 %", format: (x) => `${x.toFixed(2)}×` },
  { metric: "capture_at_10pct", label: "Conversions reached, top 10 %", format: percent },
  { metric: "lift_at_20pct", label: "Lift, top 20 %", format: (x) => `${x.toFixed(2)}×` },
  { metric: "capture_at_20pct", label: "Conversions reached, top 20 %", format: percent },
];

function percent(x: number): string {
  return `${(100 * x).toFixed(1)} %`;
}

function figureCell(row: HTMLTableRowElement, value: number | undefined, text: string): void {
  const cell = row.insertCell();
  if (value === undefined) {
    cell.textContent = "not recorded";
    cell.className = "na";
    return;
  }
  cell.dataset.value = String(value);
  cell.textContent = text;
}

export function renderQuality(table: HTMLTableElement, model: ModelDescription): void {
  table.replaceChildren();
  const caption = table.createCaption();
  caption.textContent =
    "Lift: the conversion rate of the top leads by score, as a multiple of calling at random. " +
    "Conversions reached: their share of all conversions.";
  const folds = model.crossValidation;
  const head = table.createTHead().insertRow();
  for (const text of [
    "",
    "held-out",
    folds === undefined ? "folds" : `${folds.folds} folds × ${folds.repeats}, mean ± sd`,
  ]) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = text;
    head.append(th);
  }
  const body = table.createTBody();
  for (const { metric, label, format } of ROWS) {
    const row = body.insertRow();
    row.dataset.metric = metric;
    const th = document.createElement("th");
    th.scope = "row";
    th.textContent = label;
    row.append(th);
    const heldOut = metric === "roc_auc" ? model.metrics?.[metric] : model.ranking?.[metric];
    figureCell(row, heldOut, heldOut === undefined ? "" : format(heldOut));
    const summary = folds?.metrics[metric];
    figureCell(
      row,
      summary?.mean,
      summary === undefined ? "" : `${format(summary.mean)} ± ${format(summary.sd)}`,
    );
  }
}

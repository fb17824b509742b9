/**
 * Small inline-SVG charts for the HTML report, written by hand: the report must be one
 * self-contained file made server-side without a DOM, and the npm chart libraries either need a
 * browser DOM (Chart.js, Plotly, d3's rendering) or a large runtime (Vega). Three charts cover
 * the report: lines (ROC, calibration), horizontal bars with thresholds (drift per field) and
 * paired bars (live against baseline shares). Every text passes through escapeHtml.
 */

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

const clip = (text: string, most: number) =>
  text.length > most ? `${text.slice(0, most - 1)}…` : text;

const fmt = (x: number) => (Math.round(x * 100) / 100).toString();

export interface LineSeries {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
  readonly dashed?: boolean;
  readonly markers?: boolean;
}

/** Lines on [0, 1] × [0, 1] (ROC curve, calibration), with a legend. */
export function unitLineChart(options: {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly LineSeries[];
}): string {
  const size = 260;
  const pad = 52;
  const x = (v: number) => pad + v * size;
  const y = (v: number) => pad + (1 - v) * size;
  const colors = ["#1f77b4", "#d62728", "#7f7f7f"];
  const grid = [0, 0.25, 0.5, 0.75, 1]
    .map(
      (t) =>
        `<line x1="${x(t)}" y1="${y(0)}" x2="${x(t)}" y2="${y(1)}" class="grid"/>` +
        `<line x1="${x(0)}" y1="${y(t)}" x2="${x(1)}" y2="${y(t)}" class="grid"/>` +
        `<text x="${x(t)}" y="${y(0) + 14}" text-anchor="middle">${t}</text>` +
        `<text x="${x(0) - 6}" y="${y(t) + 4}" text-anchor="end">${t}</text>`,
    )
    .join("");
  const lines = options.series
    .map((series, i) => {
      const color = colors[i % colors.length]!;
      const path = series.points.map(([px, py]) => `${fmt(x(px))},${fmt(y(py))}`).join(" ");
      const dots = series.markers
        ? series.points
            .map(
              ([px, py]) => `<circle cx="${fmt(x(px))}" cy="${fmt(y(py))}" r="3" fill="${color}"/>`,
            )
            .join("")
        : "";
      const dash = series.dashed ? ' stroke-dasharray="4 3"' : "";
      const legend = `<text x="${pad + size + 10}" y="${pad + 14 + i * 16}" fill="${color}">${escapeHtml(series.name)}</text>`;
      return `<polyline points="${path}" fill="none" stroke="${color}" stroke-width="1.5"${dash}/>${dots}${legend}`;
    })
    .join("");
  const width = pad + size + 150;
  const height = pad * 2 + size;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(options.title)}">` +
    `<text x="${pad}" y="20" class="title">${escapeHtml(options.title)}</text>${grid}` +
    `<text x="${x(0.5)}" y="${height - 6}" text-anchor="middle">${escapeHtml(options.xLabel)}</text>` +
    `<text transform="translate(12 ${y(0.5)}) rotate(-90)" text-anchor="middle">${escapeHtml(options.yLabel)}</text>` +
    `${lines}</svg>`
  );
}

export interface ThresholdBar {
  readonly label: string;
  /** Null: no value (drawn as "n/a"). */
  readonly value: number | null;
  readonly threshold: number;
  readonly alerting: boolean;
}

/** One horizontal bar per row with its threshold as a tick; alerting bars in red. */
export function thresholdBarChart(title: string, bars: readonly ThresholdBar[]): string {
  const labelWidth = 420;
  const plot = 300;
  const row = 18;
  const top = 30;
  const max = Math.max(1e-9, ...bars.flatMap((bar) => [bar.value ?? 0, bar.threshold])) * 1.05;
  const x = (v: number) => labelWidth + (v / max) * plot;
  const rows = bars
    .map((bar, i) => {
      const y = top + i * row;
      const value = bar.value ?? 0;
      const cls = bar.alerting ? "bar alert" : "bar";
      const text = bar.value === null ? "n/a" : bar.value.toFixed(3);
      return (
        `<text x="${labelWidth - 6}" y="${y + 12}" text-anchor="end">${escapeHtml(clip(bar.label, 64))}</text>` +
        `<rect x="${labelWidth}" y="${y + 2}" width="${fmt(x(value) - labelWidth)}" height="${row - 5}" class="${cls}"/>` +
        `<line x1="${fmt(x(bar.threshold))}" y1="${y}" x2="${fmt(x(bar.threshold))}" y2="${y + row - 1}" class="threshold"/>` +
        `<text x="${fmt(x(value) + 4)}" y="${y + 12}">${text}</text>`
      );
    })
    .join("");
  const height = top + bars.length * row + 10;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${labelWidth + plot + 60}" height="${height}" role="img" aria-label="${escapeHtml(title)}">` +
    `<text x="0" y="18" class="title">${escapeHtml(title)} (tick: threshold)</text>${rows}</svg>`
  );
}

/** Live against baseline share per bin: two bars per bin, the bins' labels below. */
export function pairedShareChart(
  title: string,
  bins: readonly { readonly label: string; readonly live: number; readonly baseline: number }[],
): string {
  const height = 120;
  const top = 40;
  const bottom = 110;
  const slot = Math.max(14, Math.min(40, 560 / Math.max(1, bins.length)));
  const max = Math.max(1e-9, ...bins.flatMap((bin) => [bin.live, bin.baseline]));
  const h = (v: number) => (v / max) * height;
  const bars = bins
    .map((bin, i) => {
      const x = 10 + i * slot;
      const w = (slot - 4) / 2;
      const label = escapeHtml(clip(bin.label, 24));
      return (
        `<rect x="${fmt(x)}" y="${fmt(top + height - h(bin.baseline))}" width="${fmt(w)}" height="${fmt(h(bin.baseline))}" class="baseline"><title>baseline ${bin.baseline.toFixed(3)}</title></rect>` +
        `<rect x="${fmt(x + w)}" y="${fmt(top + height - h(bin.live))}" width="${fmt(w)}" height="${fmt(h(bin.live))}" class="live"><title>live ${bin.live.toFixed(3)}</title></rect>` +
        `<text transform="translate(${fmt(x + w)} ${top + height + 8}) rotate(45)" class="small">${label}</text>`
      );
    })
    .join("");
  const width = Math.max(460, 20 + bins.length * slot + 100);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${fmt(width)}" height="${top + height + bottom}" role="img" aria-label="${escapeHtml(title)}">` +
    `<text x="10" y="16" class="title">${escapeHtml(title)}</text>` +
    `<rect x="10" y="24" width="10" height="10" class="baseline"/><text x="24" y="33">baseline</text>` +
    `<rect x="84" y="24" width="10" height="10" class="live"/><text x="98" y="33">live</text>` +
    `${bars}</svg>`
  );
}

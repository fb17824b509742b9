import type { FieldReport } from "../drift/field-report.js";
import { QUALITY_METRICS } from "./latest.js";
import { TOP_PERCENTS } from "./ranking.js";
import type { MonitoringReport, VersionReport } from "./report.js";
import { escapeHtml as e, pairedShareChart, thresholdBarChart, unitLineChart } from "./svg.js";

/**
 * The HTML report: one self-contained file (inline CSS and SVG, no script, no network), so it
 * opens from a bucket or a laptop alike. Every string that comes from the log or the registry
 * is escaped: lead data is untrusted.
 */
export function renderHtmlReport(report: MonitoringReport): string {
  const title = `${report.model} monitoring ${report.window.start} – ${report.window.end}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${e(title)}</title>
<style>${CSS}</style></head>
<body>
<h1>${e(report.model)}: monitoring report</h1>
<p>Window <b>${e(report.window.start)}</b> to <b>${e(report.window.end)}</b> (predictions scored, outcomes received);
generated ${e(report.generated_at)}. Status: <span class="status ${e(report.status)}">${e(report.status)}</span></p>
${report.status === "empty" ? "<p><b>The window is empty:</b> no prediction of this model was logged in it. Nothing to judge.</p>" : ""}
<h2>Prediction log and join</h2>
${table(
  ["", "count"],
  [
    ["log", e(report.log.location)],
    ["objects read", String(report.log.objects_read)],
    ["malformed lines skipped", String(report.log.malformed_lines)],
    ...Object.entries(report.join).map(([key, value]) => [
      e(key.replace(/_/g, " ")),
      String(value),
    ]),
  ],
)}
${
  report.log.malformed.length === 0
    ? ""
    : `<details><summary>Objects with malformed lines</summary>${table(
        ["object", "lines"],
        report.log.malformed.map((m) => [e(m.object), String(m.lines)]),
      )}</details>`
}
<p class="note">Settings: drift threshold ${report.settings.drift_threshold}${Object.keys(report.settings.drift_thresholds).length > 0 ? ` (per field: ${e(JSON.stringify(report.settings.drift_thresholds))})` : ""};
quality alert when ROC-AUC drops more than ${report.settings.max_auc_drop} below training, judged on at least ${report.settings.min_outcomes} outcomes.</p>
${report.versions.map(versionSection).join("\n")}
</body></html>
`;
}

function versionSection(version: VersionReport): string {
  const quality = table(
    ["metric", "on joined outcomes", "training (metadata.json)"],
    QUALITY_METRICS.map((metric) => {
      const figure = version.quality[metric];
      const training = version.training?.[metric];
      return [
        metric,
        figure.value === null
          ? `<span class="na">n/a: ${e(figure.reason ?? "")}</span>`
          : figure.value.toFixed(4),
        training === undefined ? "" : training.toFixed(4),
      ];
    }),
  );
  const roc =
    version.roc_curve === null
      ? ""
      : unitLineChart({
          title: `ROC curve (AUC ${version.quality.roc_auc.value?.toFixed(4) ?? "n/a"})`,
          xLabel: "false positive rate",
          yLabel: "true positive rate",
          series: [
            {
              name: "ROC",
              points: downsample(
                version.roc_curve.fpr.map((x, i) => [x, version.roc_curve!.tpr[i]!] as const),
              ),
            },
            {
              name: "chance",
              points: [
                [0, 0],
                [1, 1],
              ],
              dashed: true,
            },
          ],
        });
  const calibration =
    version.calibration.length === 0
      ? ""
      : unitLineChart({
          title: "Calibration (by decile of score)",
          xLabel: "mean predicted",
          yLabel: "observed rate",
          series: [
            {
              name: "observed",
              points: version.calibration.map((b) => [b.mean_predicted, b.observed_rate] as const),
              markers: true,
            },
            {
              name: "perfect",
              points: [
                [0, 0],
                [1, 1],
              ],
              dashed: true,
            },
          ],
        }) +
        table(
          ["scores in", "count", "mean predicted", "observed rate"],
          version.calibration.map((b) => [
            `[${b.lower.toFixed(4)}, ${b.upper.toFixed(4)}]`,
            String(b.count),
            b.mean_predicted.toFixed(4),
            b.observed_rate.toFixed(4),
          ]),
        );
  return `<section>
<h2>Version ${e(version.version)}${version.in_registry ? "" : ' <span class="alert-text">(not in the registry)</span>'}</h2>
<p>${version.predictions} predictions, ${version.outcomes_joined} joined outcomes; threshold ${version.threshold} (${version.threshold_source}).</p>
${version.alerts.length === 0 ? '<p class="ok">No alert.</p>' : `<ul class="alerts">${version.alerts.map((a) => `<li>${e(a)}</li>`).join("")}</ul>`}
<h3>Quality</h3>
<p class="note">${e(version.quality_note)}</p>
${quality}
<div class="charts">${roc}${calibration}</div>
<h3>Calling the top of the list: lift, capture, precision</h3>
${rankingSection(version)}
<h3>Drift against the training baseline</h3>
${driftSection(version)}
</section>`;
}

/** Realized sales view beside training's, and the gains curves (ties at their group's rate). */
function rankingSection(version: VersionReport): string {
  const { realized, training_held_out, training_folds, gains_curve, training_gains_curve } =
    version.ranking;
  // A version trained before these were recorded says so, rather than an empty column.
  const cell = (figures: Partial<Record<string, number>> | null, metric: string) =>
    figures === null ? '<span class="na">not recorded</span>' : (figures[metric]?.toFixed(4) ?? "");
  const rows = TOP_PERCENTS.flatMap((k) =>
    (["lift", "capture", "precision"] as const).map((kind) => {
      const metric = `${kind}_at_${k}pct` as const;
      const figure = realized[metric];
      return [
        `${kind} at ${k} %`,
        figure.value === null
          ? `<span class="na">n/a: ${e(figure.reason ?? "")}</span>`
          : figure.value.toFixed(4),
        cell(training_held_out, metric),
        cell(training_folds, metric),
      ];
    }),
  );
  const curve = (name: string, gains: typeof gains_curve) =>
    gains === null
      ? []
      : [{ name, points: gains.fraction_of_leads.map((x, i) => [x, gains.capture[i]!] as const) }];
  const chart =
    gains_curve === null && training_gains_curve === null
      ? ""
      : unitLineChart({
          title: "Cumulative gains",
          xLabel: "share of leads called, best scores first",
          yLabel: "share of conversions reached",
          series: [
            ...curve("joined outcomes", gains_curve),
            ...curve("training (held-out)", training_gains_curve),
            {
              name: "random calling",
              points: [
                [0, 0],
                [1, 1],
              ],
              dashed: true,
            },
          ],
        });
  return `<p class="note">Capture: the share of all conversions among the top k % of leads by score; precision: their conversion rate; lift: that rate over the base rate (random calling is 1). Leads with equal scores count at their group's rate, as in training (pipeline/ranking.py).</p>
${table(["", "on joined outcomes", "training: held-out", "training: fold mean"], rows)}
<div class="charts">${chart}</div>`;
}

function driftSection(version: VersionReport): string {
  if (version.drift === null)
    return `<p class="note">Not computed: ${e(version.drift_skipped ?? "")}</p>`;
  const fields: FieldReport[] = [
    ...version.drift.fields,
    ...(version.drift.score === undefined ? [] : [version.drift.score]),
  ];
  const bars = thresholdBarChart(
    "Drift statistic per field (Jensen–Shannon numeric, L-infinity categorical)",
    fields.map((f) => ({
      label: `${f.field} (${f.statistic})`,
      value: f.value,
      threshold: f.threshold,
      alerting: f.alerting,
    })),
  );
  const notLogged =
    version.drift.fields_not_logged.length === 0
      ? ""
      : `<p class="note">Not in the log (left out by PREDICTION_LOG_FIELDS / PREDICTION_LOG_EXCLUDE_FIELDS), not judged: ${version.drift.fields_not_logged.map(e).join(", ")}</p>`;
  const histograms = fields
    .map(
      (f) =>
        `<div class="field${f.alerting ? " alerting" : ""}">${pairedShareChart(
          `${f.field}: ${f.statistic} ${f.value === null ? "n/a" : f.value.toFixed(3)}, psi ${f.statistics.psi?.toFixed(3) ?? "n/a"}, ${f.count} values`,
          f.bins,
        )}</div>`,
    )
    .join("");
  return `${bars}${notLogged}<h4>Live against baseline, per field</h4><div class="charts">${histograms}</div>`;
}

/** At most ~400 points of a curve (a long ROC curve adds bytes, not information, to a plot). */
function downsample<T>(points: readonly T[], most = 400): T[] {
  if (points.length <= most) return [...points];
  const step = (points.length - 1) / (most - 1);
  return Array.from({ length: most }, (_, i) => points[Math.round(i * step)]!);
}

/** A table of already-escaped cells. */
function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${h}</th>`).join("")}</tr></thead><tbody>${rows
    .map((row) => `<tr>${row.map((cell) => `<td>${cell}</td>`).join("")}</tr>`)
    .join("")}</tbody></table>`;
}

const CSS = `body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222;max-width:1200px}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}
th{background:#f3f3f3}.status{padding:1px 6px;border-radius:3px}.status.healthy{background:#cfc}
.status.alert{background:#fcc}.status.empty{background:#eee}.alerts li,.alert-text{color:#b00}
.ok{color:#070}.note,.na{color:#666}.charts{display:flex;flex-wrap:wrap;gap:1em;align-items:flex-start}
.field.alerting{outline:2px solid #d62728}svg text{font-size:11px;fill:#333}svg text.title{font-size:12px;font-weight:600}
svg text.small{font-size:9px}.grid{stroke:#eee}.bar{fill:#1f77b4}.bar.alert{fill:#d62728}
.threshold{stroke:#000;stroke-width:2}.baseline{fill:#bbb}.live{fill:#1f77b4}section{border-top:2px solid #ddd;margin-top:2em}`;

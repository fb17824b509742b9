import { parseArgs } from "node:util";
import { ConfigError, describeError } from "../errors.js";
import { parseThresholds } from "../config.js";
import { logToMlflow } from "../monitoring/quality/mlflow.js";
import { runMonitoringJob } from "../monitoring/quality/job.js";
import type { MonitoringReport } from "../monitoring/quality/report.js";
import { retrainRequestOf, writeRetrainRequest } from "../monitoring/quality/retrain-request.js";
import { parseDuration, parseWindow } from "../monitoring/quality/window.js";
import type { StorageLog } from "../storage/gcs-store.js";
import { openStore } from "../storage/open-store.js";
import { EXIT } from "./exit-codes.js";
import { UsageError } from "./registry-command.js";

export const MONITOR_HELP = `Usage: lead-scoring monitor [options]

Joins the prediction log's predictions and outcomes over a window, computes per model version
the quality on realized outcomes (ROC-AUC, PR-AUC, log loss, Brier, precision/recall/F1 at the
version's threshold, calibration) and the drift of every field against the training baseline,
and writes <registry>/<model>/monitoring/reports/<window>.json and .html, then
<registry>/<model>/monitoring/latest.json. With MLFLOW_TRACKING_URI (http/https) set, also logs
the metrics to MLflow. On an alert it also writes a retrain request with the reason,
<registry>/<model>/monitoring/retrain-requests/<time>.json, for \`python -m pipeline retrain --if-requested\`.

Environment: GCS_API_ENDPOINT points the Cloud Storage client elsewhere (e.g. an emulator).

Options:
  --log <dir|gs://...>          prediction log root, as PREDICTION_LOG=gcs writes it
                                (env PREDICTION_LOG_URI)
  --registry <dir|gs://...>     registry root (env REGISTRY_URI; default: models)
  --model <name>                model name (default: lead-scoring)
  --since <RFC3339|24h|7d>      window start (default: 7d before --until)
  --until <RFC3339>             window end, exclusive (default: now)
  --lookback <30d|0d|...>       outcomes received in the window join to predictions up to this
                                long before it (default 30d: leads convert weeks after scoring)
  --drift-threshold <x>         drift alert threshold (env DRIFT_THRESHOLD; default 0.3)
  --drift-thresholds <f=x,...>  per-field thresholds (env DRIFT_THRESHOLDS)
  --max-auc-drop <x>            quality alert when ROC-AUC is more than x below training (0.05)
  --min-outcomes <n>            judge quality only on at least n joined outcomes (100)
  --json                        print the JSON report instead of a summary
  -h, --help                    this help

Exit codes: 0 healthy (or empty window), 3 drift or quality alert, 1 error, 2 usage.`;

type Print = (line: string) => void;

const STDERR_WARNINGS: StorageLog = {
  warn: (_fields, message) => process.stderr.write(`warning: ${message}\n`),
};

/** A number option: finite and within its bounds, else a usage error naming it. */
function numberOption(name: string, text: string, check: (x: number) => boolean): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value) || !check(value)) {
    throw new UsageError(
      `--${name} must be a number ${name === "min-outcomes" ? "≥ 0 (an integer)" : "> 0"}; got "${text}"`,
    );
  }
  return value;
}

/** Runs `lead-scoring monitor ...`; returns the exit code. */
export async function runMonitorCommand(argv: string[], print: Print): Promise<number> {
  const env = process.env;
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      log: { type: "string", default: env.PREDICTION_LOG_URI },
      registry: { type: "string", default: env.REGISTRY_URI ?? "models" },
      model: { type: "string", default: "lead-scoring" },
      since: { type: "string" },
      until: { type: "string" },
      lookback: { type: "string", default: "30d" },
      "drift-threshold": { type: "string", default: env.DRIFT_THRESHOLD ?? "0.3" },
      "drift-thresholds": { type: "string", default: env.DRIFT_THRESHOLDS ?? "" },
      "max-auc-drop": { type: "string", default: "0.05" },
      "min-outcomes": { type: "string", default: "100" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    print(MONITOR_HELP);
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (values.log === undefined || values.log.trim() === "") {
    throw new UsageError("--log (or PREDICTION_LOG_URI) is required: the prediction log's root");
  }
  let window;
  let lookbackMs;
  let thresholds;
  try {
    window = parseWindow(values.since, values.until, new Date());
    lookbackMs = parseDuration(values.lookback, "--lookback");
    thresholds = parseThresholds(values["drift-thresholds"]);
  } catch (error) {
    if (error instanceof RangeError || error instanceof ConfigError) {
      throw new UsageError(describeError(error).replace("invalid configuration: ", ""));
    }
    throw error;
  }
  const settings = {
    drift: {
      threshold: numberOption("drift-threshold", values["drift-threshold"], (x) => x > 0),
      thresholds,
    },
    maxAucDrop: numberOption("max-auc-drop", values["max-auc-drop"], (x) => x > 0),
    minOutcomes: numberOption(
      "min-outcomes",
      values["min-outcomes"],
      (x) => Number.isInteger(x) && x >= 0,
    ),
  };
  const mlflow = mlflowUri(env.MLFLOW_TRACKING_URI);

  // GCS_API_ENDPOINT as the service reads it (an emulator, or a private endpoint).
  const gcs = { log: STDERR_WARNINGS, apiEndpoint: env.GCS_API_ENDPOINT || undefined };
  const log = await openStore(values.log, gcs);
  const registry = await openStore(values.registry, gcs);
  const run = await runMonitoringJob({
    log,
    registry,
    model: values.model,
    window,
    lookbackMs,
    settings,
  });
  if (mlflow !== undefined) {
    try {
      const { runId } = await logToMlflow(mlflow, run.report);
      process.stderr.write(`logged to MLflow: run ${runId}\n`);
    } catch (error) {
      // The reports are written and are the record; MLflow is a copy. Say so, keep the verdict.
      process.stderr.write(`warning: MLflow logging failed: ${describeError(error)}\n`);
    }
  }
  const reports = {
    json: `${registry.location}/${run.written.json}`,
    html: `${registry.location}/${run.written.html}`,
  };
  const request = retrainRequestOf(run.latest, reports);
  // After the reports, which the request links to; a failure here fails the run (exit 1), since
  // an alert that no retrain will ever act on must not look handled.
  const requested =
    request === undefined ? undefined : await writeRetrainRequest(registry, request);
  if (values.json) print(JSON.stringify(run.report, null, 2));
  else summarize(run.report, reports.html, print);
  if (requested !== undefined) {
    // Beside --json's report, not inside it: stdout stays one JSON document.
    const line = `retrain requested: ${registry.location}/${requested}`;
    if (values.json) process.stderr.write(`${line}\n`);
    else print(`  ${line}`);
  }
  return run.report.status === "alert" ? EXIT.alert : EXIT.ok;
}

/** MLFLOW_TRACKING_URI when the job can use it (REST over http/https), else undefined. */
function mlflowUri(uri: string | undefined): string | undefined {
  if (uri === undefined || uri.trim() === "") return undefined;
  if (/^https?:\/\//i.test(uri)) return uri;
  process.stderr.write(
    `warning: MLFLOW_TRACKING_URI=${uri} ignored: the monitoring job logs to an MLflow server over http(s) only\n`,
  );
  return undefined;
}

function summarize(report: MonitoringReport, html: string, print: Print): void {
  const { join } = report;
  print(`${report.model} ${report.window.start} – ${report.window.end}: ${report.status}`);
  print(
    `  ${join.predictions} predictions, ${join.outcomes} outcomes, ${join.joined} joined ` +
      `(${join.outcomes_unknown_lead} unknown leads, ${join.duplicate_outcomes} duplicates, ` +
      `${join.predictions_without_lead_id} without lead id, ${report.log.malformed_lines} malformed lines)`,
  );
  for (const version of report.versions) {
    const auc = version.quality.roc_auc.value;
    print(
      `  ${version.version}${version.in_registry ? "" : " (not in the registry)"}: ` +
        `${version.predictions} predictions, ${version.outcomes_joined} outcomes, ` +
        `roc_auc ${auc === null ? "n/a" : auc.toFixed(4)}`,
    );
    for (const alert of version.alerts) print(`    ALERT ${alert}`);
  }
  print(`  report: ${html}`);
}

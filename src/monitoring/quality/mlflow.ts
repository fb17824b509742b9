import { ConfigError, StorageUnavailableError } from "../../errors.js";
import type { MonitoringReport } from "./report.js";

/**
 * Logs one job run to an MLflow tracking server through its REST API (api/2.0/mlflow), as the
 * pipeline logs training runs: experiment = the model's name (the pipeline's too), one run per
 * job run named `monitor-<window>`, tags `model.version` (the versions judged, comma-separated),
 * `window.start`, `window.end`, `monitoring.status`. Metrics are keyed by version:
 * `<version>.<metric>` (e.g. `1.0.0.roc_auc`), `<version>.outcomes_joined`,
 * `<version>.predictions`, `<version>.drift.<field>`, and the realized sales view under the
 * pipeline's names (`<version>.lift_at_10pct`, `capture_at_…`, `precision_at_…`); undefined
 * metrics are left out.
 * One run per job run keeps a window's versions side by side in MLflow's run view.
 */
export interface MlflowResult {
  readonly runId: string;
  readonly experimentId: string;
}

interface MlflowError {
  readonly error_code?: string;
  readonly message?: string;
}

export async function logToMlflow(
  trackingUri: string,
  report: MonitoringReport,
): Promise<MlflowResult> {
  const base = new URL(trackingUri);
  if (base.protocol !== "http:" && base.protocol !== "https:") {
    throw new ConfigError(
      `MLFLOW_TRACKING_URI must be http(s):// for the monitoring job; got ${base.protocol}`,
    );
  }
  const api = async <T>(method: "GET" | "POST", path: string, body?: unknown) => {
    const reply = await request(base, method, path, body);
    if (!reply.ok) throw new StorageUnavailableError(`MLflow ${method} ${path}: ${reply.error}`);
    return reply.body as T;
  };

  const experimentId = await experiment(base, report.model);
  const now = Date.now();
  const { run } = await api<{ run: { info: { run_id: string } } }>("POST", "runs/create", {
    experiment_id: experimentId,
    run_name: `monitor-${report.window.name}`,
    start_time: now,
    tags: [
      { key: "model.version", value: report.versions.map((v) => v.version).join(",") },
      { key: "window.start", value: report.window.start },
      { key: "window.end", value: report.window.end },
      { key: "monitoring.status", value: report.status },
    ],
  });
  const runId = run.info.run_id;
  const metrics = monitoringMetrics(report).map(([key, value]) => ({
    key,
    value,
    timestamp: now,
    step: 0,
  }));
  // log-batch takes at most 1000 metrics per call.
  for (let i = 0; i < metrics.length; i += 1000) {
    await api("POST", "runs/log-batch", { run_id: runId, metrics: metrics.slice(i, i + 1000) });
  }
  await api("POST", "runs/update", { run_id: runId, status: "FINISHED", end_time: Date.now() });
  return { runId, experimentId };
}

/** The metric (key, value) pairs of a report. */
export function monitoringMetrics(report: MonitoringReport): [string, number][] {
  const out: [string, number][] = [];
  for (const version of report.versions) {
    const key = (name: string) => `${version.version}.${name}`;
    out.push(
      [key("predictions"), version.predictions],
      [key("outcomes_joined"), version.outcomes_joined],
    );
    for (const [metric, figure] of [
      ...Object.entries(version.quality),
      ...Object.entries(version.ranking.realized),
    ]) {
      if (figure.value !== null) out.push([key(metric), figure.value]);
    }
    const fields =
      version.drift === null
        ? []
        : [...version.drift.fields, ...(version.drift.score ? [version.drift.score] : [])];
    for (const field of fields) {
      if (field.value !== null) out.push([key(`drift.${field.field}`), field.value]);
    }
  }
  return out;
}

type Reply = { ok: true; body: unknown } | { ok: false; code: string | undefined; error: string };

/** One REST call; an HTTP error is a value here (a missing experiment is not a failure). */
async function request(base: URL, method: string, path: string, body?: unknown): Promise<Reply> {
  const root = base.href.endsWith("/") ? base.href : `${base.href}/`;
  const response = await fetch(new URL(`api/2.0/mlflow/${path}`, root), {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const parsed = (await response.json().catch(() => ({}))) as MlflowError;
  if (response.ok) return { ok: true, body: parsed };
  const detail = `HTTP ${response.status} ${parsed.error_code ?? ""} ${parsed.message ?? ""}`;
  return { ok: false, code: parsed.error_code, error: detail.trim() };
}

/** The experiment named after the model, created on first use. */
async function experiment(base: URL, name: string): Promise<string> {
  const path = `experiments/get-by-name?experiment_name=${encodeURIComponent(name)}`;
  const found = await request(base, "GET", path);
  if (found.ok)
    return (found.body as { experiment: { experiment_id: string } }).experiment.experiment_id;
  if (found.code !== "RESOURCE_DOES_NOT_EXIST") {
    throw new StorageUnavailableError(`MLflow GET ${path}: ${found.error}`);
  }
  const created = await request(base, "POST", "experiments/create", { name });
  if (!created.ok) throw new StorageUnavailableError(`MLflow experiments/create: ${created.error}`);
  return (created.body as { experiment_id: string }).experiment_id;
}

import { Compile } from "typebox/compile";
import { parsePreprocessorSpec } from "../../model/preprocessor-spec.js";
import { Registry } from "../../registry/registry.js";
import { joinPath, type ArtifactStore } from "../../storage/store.js";
import type { PredictionRecord } from "../prediction-log/record.js";
import { renderHtmlReport } from "./html-report.js";
import { joinOutcomes } from "./join.js";
import {
  LATEST_REPORT_PATH,
  LatestReportSchema,
  REPORTS_DIR,
  type LatestReport,
} from "./latest.js";
import { readLog } from "./log-reader.js";
import { latestOf, type MonitoringReport } from "./report.js";
import { versionReport, type JudgeSettings, type RegisteredVersion } from "./version-report.js";
import { windowName, type TimeWindow } from "./window.js";

/**
 * `lead-scoring monitor`: one run of the monitoring job over a window. Reads the prediction log,
 * joins outcomes by lead id, judges each version against what the registry has for it, and
 * writes the JSON and HTML reports and then latest.json under `<registry>/<model>/monitoring/`.
 */
export interface MonitoringJobOptions {
  readonly log: ArtifactStore;
  readonly registry: ArtifactStore;
  readonly model: string;
  readonly window: TimeWindow;
  readonly settings: JudgeSettings;
  readonly now?: () => Date;
}

export interface MonitoringRun {
  readonly report: MonitoringReport;
  readonly latest: LatestReport;
  /** Where the files went, relative to the registry root. */
  readonly written: { readonly json: string; readonly html: string; readonly latest: string };
}

const checkLatest = Compile(LatestReportSchema);

export async function computeReport(options: MonitoringJobOptions): Promise<MonitoringReport> {
  const { model, window, settings } = options;
  const contents = await readLog(options.log, model, window);
  const join = joinOutcomes(contents.predictions, contents.outcomes);

  const byVersion = new Map<string, PredictionRecord[]>();
  for (const { record } of contents.predictions) {
    const list = byVersion.get(record.model_version);
    if (list === undefined) byVersion.set(record.model_version, [record]);
    else list.push(record);
  }
  const registry = new Registry(options.registry, model);
  const known = new Set(await registry.versions());
  const versions = [...new Set([...byVersion.keys(), ...join.byVersion.keys()])].sort();
  const reports = [];
  for (const version of versions) {
    const registered = known.has(version) ? await registeredVersion(registry, version) : undefined;
    reports.push(
      versionReport(
        version,
        byVersion.get(version) ?? [],
        join.byVersion.get(version) ?? [],
        registered,
        settings,
      ),
    );
  }
  const malformedLines = contents.malformed.reduce((sum, object) => sum + object.lines, 0);
  const status =
    contents.predictions.length === 0
      ? "empty"
      : reports.some((version) => version.alerts.length > 0)
        ? "alert"
        : "healthy";
  return {
    schema: 1,
    model,
    generated_at: (options.now?.() ?? new Date()).toISOString(),
    window: {
      start: window.start.toISOString(),
      end: window.end.toISOString(),
      name: windowName(window),
    },
    status,
    settings: {
      drift_threshold: settings.drift.threshold,
      drift_thresholds: Object.fromEntries(settings.drift.thresholds),
      max_auc_drop: settings.maxAucDrop,
      min_outcomes: settings.minOutcomes,
    },
    log: {
      location: options.log.location,
      objects_read: contents.objectsRead,
      malformed: contents.malformed,
      malformed_lines: malformedLines,
    },
    join: join.counts,
    versions: reports,
  };
}

/** Computes the report and writes the three files; latest.json last, validated. */
export async function runMonitoringJob(options: MonitoringJobOptions): Promise<MonitoringRun> {
  const report = await computeReport(options);
  const name = report.window.name;
  const relative = { json: `${REPORTS_DIR}/${name}.json`, html: `${REPORTS_DIR}/${name}.html` };
  const latest = latestOf(report, relative);
  if (!checkLatest.Check(latest)) {
    const problems = [...checkLatest.Errors(latest)]
      .slice(0, 3)
      .map((e) => `${e.instancePath} ${e.message}`);
    throw new Error(`the job built an invalid latest.json: ${problems.join("; ")}`);
  }
  const written = {
    json: joinPath(options.model, relative.json),
    html: joinPath(options.model, relative.html),
    latest: joinPath(options.model, LATEST_REPORT_PATH),
  };
  const store = options.registry;
  await put(store, written.json, `${JSON.stringify(report, null, 2)}\n`);
  await put(store, written.html, renderHtmlReport(report));
  await put(store, written.latest, `${JSON.stringify(latest, null, 2)}\n`);
  return { report, latest, written };
}

async function registeredVersion(registry: Registry, version: string): Promise<RegisteredVersion> {
  const metadata = await registry.metadata(version);
  const path = joinPath(registry.versionPath(version), "preprocessor.json");
  const spec = parsePreprocessorSpec(
    await registry.store.readFile(path),
    `${registry.store.location}/${path}`,
  );
  return { metadata, spec };
}

/**
 * Writes `path`, replacing what is there through a compare-and-swap on the generation read
 * just before: a rerun over the same window replaces its reports, and two runs racing for
 * latest.json make one fail (ConflictError, exit 1) instead of interleaving.
 */
async function put(store: ArtifactStore, path: string, text: string): Promise<void> {
  const current = await store.generation(path);
  await store.replace(path, Buffer.from(text), current);
}

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { DataPlaneObserver, ScoredBatch, ShadowScored } from "../dataplane/observer.js";
import type { ExplainMethod } from "../model/explain/types.js";
import type { LoadedModel } from "../model/loaded-model.js";
import type { LoadObserver } from "../lifecycle/load-observer.js";
import type { VersionHooks } from "../lifecycle/model-holder.js";
import { PRIMARY } from "../lifecycle/model-set.js";
import type { RolloutPlan } from "../lifecycle/rollout-plan.js";
import type { DropReason, PredictionLogObserver } from "./prediction-log/prediction-log.js";
import type { LogRecord } from "./prediction-log/record.js";
import { DriftMonitors, type DriftOptions } from "./drift/monitor.js";
import { QualityGauges } from "./quality-report/gauges.js";
import { RolloutMetrics } from "./rollout/rollout-metrics.js";

/** Every application metric starts with this (Prometheus naming guide: one app prefix). */
export const METRIC_PREFIX = "lead_scoring_";

// Sub-millisecond buckets: a single-lead prediction takes tens of microseconds.
const LATENCY_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
];
const BATCH_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000];

/**
 * Every metric the service exports, defined in one place, on a registry of its own (so tests can
 * build many apps in one process). Node process metrics keep their standard unprefixed names
 * (process_*, nodejs_*) because dashboards and alerts everywhere expect those.
 */
export class Metrics
  implements DataPlaneObserver, LoadObserver, VersionHooks, PredictionLogObserver
{
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: `${METRIC_PREFIX}http_requests_total`,
    help:
      "HTTP requests answered, by method, route template, status code, model version that " +
      'answered (version="none" when no model did) and API key name (key="anonymous" when ' +
      "keys are off or none was accepted).",
    // The key's name, not the key; bounded by the keys file. Only on this counter: on the
    // duration histogram it would multiply every bucket series by the number of keys.
    labelNames: ["method", "route", "status_code", "version", "key"] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: `${METRIC_PREFIX}http_request_duration_seconds`,
    help:
      "Time from request received to response sent, by method, route template, status and the " +
      'model version that answered (version="none" when no model did).',
    labelNames: ["method", "route", "status_code", "version"] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly inferenceDuration = new Histogram({
    name: `${METRIC_PREFIX}inference_duration_seconds`,
    help: "Preprocessing plus ONNX Runtime scoring time of one request's batch.",
    labelNames: ["model", "version"] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly batchSize = new Histogram({
    name: `${METRIC_PREFIX}inference_batch_size`,
    help: "Instances scored per request.",
    labelNames: ["model", "version"] as const,
    buckets: BATCH_BUCKETS,
    registers: [this.registry],
  });

  readonly explainDuration = new Histogram({
    name: `${METRIC_PREFIX}explain_duration_seconds`,
    help: "Preprocessing, scoring and attribution time of one explain request, by method.",
    labelNames: ["model", "method"] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly unknownCategories = new Counter({
    name: `${METRIC_PREFIX}unknown_categories_total`,
    help: "Instance fields whose category the model never saw (encoded as all zeros), by field.",
    labelNames: ["model", "field"] as const,
    registers: [this.registry],
  });

  readonly modelInfo = new Gauge({
    name: `${METRIC_PREFIX}model_info`,
    help: "1 for the model version currently serving; scorer = the runtime (trees, onnx).",
    labelNames: ["name", "version", "scorer"] as const,
    registers: [this.registry],
  });

  readonly modelLoads = new Counter({
    name: `${METRIC_PREFIX}model_loads_total`,
    help: "Model load attempts, by result (success, failure).",
    labelNames: ["result"] as const,
    registers: [this.registry],
  });

  readonly modelReloadFailures = new Counter({
    name: `${METRIC_PREFIX}model_reload_failures_total`,
    help: "New versions refused while following an alias (load, checksum or golden check failed).",
    labelNames: ["version"] as const,
    registers: [this.registry],
  });

  readonly logRecords = new Counter({
    name: `${METRIC_PREFIX}prediction_log_records_total`,
    help: "Prediction-log records written to the sink, by sink and kind (prediction, outcome).",
    labelNames: ["sink", "kind"] as const,
    registers: [this.registry],
  });

  readonly logDrops = new Counter({
    name: `${METRIC_PREFIX}prediction_log_dropped_total`,
    help:
      "Prediction-log records dropped, by reason: buffer_full (the sink is down or slow and the " +
      "buffer is at PREDICTION_LOG_BUFFER), shutdown (unwritten at the shutdown deadline), closed.",
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });

  readonly logBuffer = new Gauge({
    name: `${METRIC_PREFIX}prediction_log_buffered_records`,
    help: "Prediction-log records waiting for the sink.",
    registers: [this.registry],
  });

  readonly logWriteFailures = new Counter({
    name: `${METRIC_PREFIX}prediction_log_write_failures_total`,
    help: "Failed batch writes to the prediction-log sink (each is retried), by sink.",
    labelNames: ["sink"] as const,
    registers: [this.registry],
  });

  readonly feedbackOutcomes = new Counter({
    name: `${METRIC_PREFIX}feedback_outcomes_total`,
    help: "Outcomes posted to /feedback, by result (accepted, rejected: the whole batch was 4xx).",
    labelNames: ["result"] as const,
    registers: [this.registry],
  });

  readonly apiKeysReloads = new Counter({
    name: `${METRIC_PREFIX}api_keys_reloads_total`,
    help:
      "API keys file loads, at start-up and on each change, by result: success (its keys are " +
      "in force) or failure (it did not read or check; the previous keys stay).",
    labelNames: ["result"] as const,
    registers: [this.registry],
  });

  readonly apiKeys = new Gauge({
    name: `${METRIC_PREFIX}api_keys`,
    help: "API keys accepted now (from API_KEYS_FILE; 0 when keys are off).",
    registers: [this.registry],
  });

  /** The monitoring job's latest.json (quality, drift verdicts, alerts), set by its poller. */
  readonly qualityReport = new QualityGauges(METRIC_PREFIX, this.registry);

  /** Online drift per served version; undefined when monitoring is off (MONITORING_ENABLED). */
  readonly drift: DriftMonitors | undefined;

  /** Shadow comparisons, canary fallbacks and the candidate's guardrail window. */
  readonly rollout: RolloutMetrics;

  constructor(options: MetricsOptions = { processMetrics: true }) {
    this.rollout = new RolloutMetrics(METRIC_PREFIX, this.registry, options.decisionThreshold);
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
    this.drift = options.drift === undefined ? undefined : new DriftMonitors(options.drift);
    if (this.drift !== undefined) this.registerDriftGauges(this.drift);
    this.modelLoads.inc({ result: "success" }, 0);
    this.modelLoads.inc({ result: "failure" }, 0);
    for (const reason of ["buffer_full", "shutdown", "closed"] as const) {
      this.logDrops.inc({ reason }, 0);
    }
    this.feedbackOutcomes.inc({ result: "accepted" }, 0);
    this.feedbackOutcomes.inc({ result: "rejected" }, 0);
  }

  logWritten(sink: string, kind: LogRecord["kind"], count: number): void {
    this.logRecords.inc({ sink, kind }, count);
  }

  logDropped(reason: DropReason, count: number): void {
    this.logDrops.inc({ reason }, count);
  }

  logBuffered(count: number): void {
    this.logBuffer.set(count);
  }

  logWriteFailed(sink: string): void {
    this.logWriteFailures.inc({ sink });
  }

  /** A /feedback batch of `count` outcomes was accepted (queued) or rejected (4xx). */
  feedback(result: "accepted" | "rejected", count: number): void {
    this.feedbackOutcomes.inc({ result }, count);
  }

  /** The API keys file was (re)read: `keys` are in force now. */
  apiKeysReloaded(result: "success" | "failure", keys: number): void {
    this.apiKeysReloads.inc({ result });
    this.apiKeys.set(keys);
  }

  /** A model was loaded, verified and swapped in. */
  modelLoaded(): void {
    this.modelLoads.inc({ result: "success" });
  }

  /** A load failed; a refused reload of `version` also counts against that version. */
  modelLoadFailed(version: string | undefined): void {
    this.modelLoads.inc({ result: "failure" });
    if (version !== undefined) this.modelReloadFailures.inc({ version });
  }

  /** A version started serving; the primary one is what `model_info` reports. */
  serving(model: LoadedModel, holder: string): void {
    this.drift?.add(model);
    this.rollout.serving(model, holder);
    if (holder !== PRIMARY) return;
    this.modelInfo.reset();
    this.modelInfo.set({ name: model.name, version: model.version, scorer: model.scorerKind }, 1);
  }

  /**
   * A version is gone (swapped out, last request done): drop its per-version series, so a
   * service that reloads for months does not export every version it ever served.
   */
  released(model: LoadedModel): void {
    const labels = { model: model.name, version: model.version };
    this.inferenceDuration.remove(labels);
    this.batchSize.remove(labels);
    this.drift?.remove(model);
    this.rollout.released(model);
  }

  inference(model: LoadedModel, rows: number, seconds: number): void {
    const labels = { model: model.name, version: model.version };
    this.inferenceDuration.observe(labels, seconds);
    this.batchSize.observe(labels, rows);
    this.rollout.inference(model, seconds);
  }

  candidateFallback(candidate: LoadedModel): void {
    this.rollout.candidateFallback(candidate);
  }

  /** The candidate's shadow scores also feed its own drift monitor (prediction drift). */
  shadowScored(shadow: ShadowScored): void {
    this.rollout.shadowScored(shadow);
    const { input } = shadow.production;
    this.drift
      ?.get(shadow.candidate)
      ?.observe(input.kind === "instances" ? input.instances : undefined, shadow.scores);
  }

  shadowFailed(production: LoadedModel, candidate: LoadedModel): void {
    this.rollout.shadowFailed(production, candidate);
  }

  shadowDropped(): void {
    this.rollout.shadowDropped();
  }

  /** Exports what this replica does with a rollout's candidate (docs/rollouts.md). */
  followRollout(plan: RolloutPlan): void {
    this.rollout.followPlan(METRIC_PREFIX, this.registry, plan);
  }

  explanation(model: LoadedModel, method: ExplainMethod, seconds: number): void {
    this.explainDuration.observe({ model: model.name, method }, seconds);
  }

  unknownCategory(model: LoadedModel, field: string): void {
    this.unknownCategories.inc({ model: model.name, field });
  }

  scored({ model, input, scores }: ScoredBatch): void {
    const monitor = this.drift?.get(model);
    if (monitor === undefined) return;
    monitor.observe(input.kind === "instances" ? input.instances : undefined, scores);
  }

  /**
   * Drift gauges are computed from the windows when Prometheus scrapes, never per request: one
   * series per statistic of each field the served versions have, and none for released ones.
   * The first gauge's collect sets all of them (the registry collects in registration order).
   */
  private registerDriftGauges(drift: DriftMonitors): void {
    const registers = [this.registry];
    const alerting = new Gauge({
      name: `${METRIC_PREFIX}feature_drift_alerting`,
      help: "1 when a field's drift statistic is over its threshold (DRIFT_THRESHOLD[S]).",
      labelNames: ["model", "version", "field"] as const,
      registers: [],
    });
    const prediction = new Gauge({
      name: `${METRIC_PREFIX}prediction_drift`,
      help: "Drift of the live scores from the held-out predictions' histogram, by statistic.",
      labelNames: ["model", "version", "statistic"] as const,
      registers: [],
    });
    const windowSize = new Gauge({
      name: `${METRIC_PREFIX}drift_window_instances`,
      help: "Scored instances in the drift window (DRIFT_WINDOW_SIZE, DRIFT_WINDOW_SECONDS).",
      labelNames: ["model", "version"] as const,
      registers: [],
    });
    new Gauge({
      name: `${METRIC_PREFIX}feature_drift`,
      help:
        "Drift of each raw field's live window from its training baseline, by statistic " +
        "(jensen_shannon, l_infinity, psi, missing_rate_delta, unseen_rate).",
      labelNames: ["model", "version", "field", "statistic"] as const,
      registers,
      collect() {
        for (const gauge of [this, alerting, prediction, windowSize]) gauge.reset();
        for (const monitor of drift.all()) {
          const report = monitor.report();
          const labels = { model: report.model, version: report.version };
          windowSize.set(labels, report.window.size);
          for (const field of report.fields) {
            for (const [statistic, value] of Object.entries(field.statistics)) {
              if (value !== null) this.set({ ...labels, field: field.field, statistic }, value);
            }
            if (field.value !== null) {
              alerting.set({ ...labels, field: field.field }, field.alerting ? 1 : 0);
            }
          }
          const score = report.score;
          if (score === undefined) continue;
          for (const [statistic, value] of Object.entries(score.statistics)) {
            if (value !== null) prediction.set({ ...labels, statistic }, value);
          }
        }
      },
    });
    for (const gauge of [alerting, prediction, windowSize]) this.registry.registerMetric(gauge);
  }
}

export interface MetricsOptions {
  /** Node process metrics (process_*, nodejs_*); tests that build many registries turn it off. */
  readonly processMetrics: boolean;
  /** Online drift monitoring; undefined = off. */
  readonly drift?: DriftOptions | undefined;
  /** Shadow agreement's threshold when a request names none (SHADOW_DECISION_THRESHOLD). */
  readonly decisionThreshold?: number;
}

import type { LoadedModel } from "../../model/loaded-model.js";
import {
  categoricalSlot,
  compileDriftTables,
  numericSlot,
  type DriftTables,
  type FieldBins,
} from "./bins.js";
import { fieldReport, type DriftThresholds, type FieldReport } from "./field-report.js";
import { SlidingCounts } from "./window.js";

export type { BinReport, DriftStatistic, FieldReport } from "./field-report.js";

/** DRIFT_* configuration (src/config.ts). */
export interface DriftOptions extends DriftThresholds {
  /** Most instances in the window. */
  readonly windowSize: number;
  /** Oldest instance in the window, in seconds. */
  readonly windowSeconds: number;
  /** Milliseconds since the epoch; tests inject it. */
  readonly now?: () => number;
}

export interface DriftReport {
  readonly model: string;
  readonly version: string;
  readonly window: { readonly size: number; readonly capacity: number; readonly seconds: number };
  readonly fields: FieldReport[];
  /** The prediction's histogram; absent when the version has no score baseline. */
  readonly score?: FieldReport;
}

/**
 * One version's drift: its compiled bin tables and sliding window. `observe` is the hot path:
 * one window row per instance and one table lookup per field.
 */
export class DriftMonitor {
  private readonly window: SlidingCounts;
  private readonly scoreColumn: number;
  /** The fields by type, each with its window column. */
  private readonly numeric: readonly (FieldBins & { readonly column: number })[];
  private readonly categorical: readonly (FieldBins & { readonly column: number })[];

  constructor(
    readonly model: LoadedModel,
    private readonly tables: DriftTables,
    private readonly options: DriftOptions,
  ) {
    this.scoreColumn = tables.fields.length;
    const columns = tables.fields.map((field, column) => ({ ...field, column }));
    this.numeric = columns.filter((field) => field.type === "numeric");
    this.categorical = columns.filter((field) => field.type === "categorical");
    this.window = new SlidingCounts(
      tables.width,
      tables.fields.length + 1,
      options.windowSize,
      options.windowSeconds * 1000,
    );
  }

  /** Counts scored instances: raw ones per field (undefined for preprocessed rows) and scores. */
  observe(instances: readonly unknown[] | undefined, scores: Float32Array): void {
    const { numeric, categorical, window, scoreColumn } = this;
    const score = this.tables.score;
    const now = this.now();
    for (let i = 0; i < scores.length; i++) {
      const row = window.push(now);
      const instance = instances?.[i] as Record<string, unknown> | undefined;
      if (instance !== undefined) {
        // Numeric and categorical fields in separate loops keep each lookup monomorphic.
        for (let f = 0; f < numeric.length; f++) {
          const field = numeric[f]!;
          window.count(row, field.column, field.offset + numericSlot(field, instance[field.name]));
        }
        for (let f = 0; f < categorical.length; f++) {
          const field = categorical[f]!;
          const slot = categoricalSlot(field, instance[field.name]);
          window.count(row, field.column, field.offset + slot);
        }
      }
      if (score !== undefined) {
        window.count(row, scoreColumn, score.offset + numericSlot(score, scores[i]));
      }
    }
  }

  /** Instances in the window now. */
  windowSize(): number {
    this.window.expire(this.now());
    return this.window.size;
  }

  report(): DriftReport {
    this.window.expire(this.now());
    const { fields, score } = this.tables;
    return {
      model: this.model.name,
      version: this.model.version,
      window: {
        size: this.window.size,
        capacity: this.window.capacity,
        seconds: this.options.windowSeconds,
      },
      fields: fields.map((field) => this.fieldReport(field)),
      ...(score === undefined ? {} : { score: this.fieldReport(score) }),
    };
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  private fieldReport(field: FieldBins): FieldReport {
    const live = this.window.counts.subarray(field.offset, field.offset + field.labels.length);
    return fieldReport(field, live, this.options);
  }
}

/**
 * The drift monitors of the versions being served, keyed by the loaded version: created when a
 * version starts serving (its tables compiled then, once) and dropped when it is released.
 */
export class DriftMonitors {
  private readonly monitors = new Map<LoadedModel, DriftMonitor>();

  constructor(private readonly options: DriftOptions) {}

  /** Starts monitoring `model`; nothing when its metadata.json has no baselines. */
  add(model: LoadedModel): void {
    if (this.monitors.has(model)) return;
    const tables = compileDriftTables(model.metadata, model.preprocessor.spec);
    if (tables !== undefined)
      this.monitors.set(model, new DriftMonitor(model, tables, this.options));
  }

  remove(model: LoadedModel): void {
    this.monitors.delete(model);
  }

  get(model: LoadedModel): DriftMonitor | undefined {
    return this.monitors.get(model);
  }

  /** The monitor of version `version` of `name`, if it is being served. */
  find(name: string, version: string): DriftMonitor | undefined {
    for (const monitor of this.monitors.values()) {
      if (monitor.model.name === name && monitor.model.version === version) return monitor;
    }
    return undefined;
  }

  all(): IterableIterator<DriftMonitor> {
    return this.monitors.values();
  }
}

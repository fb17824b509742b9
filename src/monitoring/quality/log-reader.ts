import { Type } from "typebox";
import { Compile } from "typebox/compile";
import { joinPath, type ArtifactStore } from "../../storage/store.js";
import type { OutcomeRecord, PredictionRecord } from "../prediction-log/record.js";
import { inWindow, windowDates, type TimeWindow } from "./window.js";

/**
 * Reads the prediction log as the GCS sink writes it (prediction-log/sinks/gcs.ts), from any
 * ArtifactStore (gs:// or a local directory of the same layout), listing only the date=
 * partitions the window touches:
 *
 *     <root>/predictions/date=YYYY-MM-DD/model=<name>/version=<v>/*.ndjson
 *     <root>/outcomes/date=YYYY-MM-DD/*.ndjson
 *
 * The log is written by services and readable by anyone with bucket access, so every line is
 * validated; a line that is not JSON or not a record is skipped and counted with its object.
 */

/** The fields the job relies on; the rest of a record passes through unchecked. */
const PredictionLine = Type.Object({
  kind: Type.Literal("prediction"),
  time: Type.String(),
  lead_id: Type.Union([Type.String(), Type.Null()]),
  model: Type.String(),
  model_version: Type.String({ minLength: 1 }),
  score: Type.Number(),
  fields: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
});
const OutcomeLine = Type.Object({
  kind: Type.Literal("outcome"),
  time: Type.String(),
  lead_id: Type.String({ minLength: 1 }),
  converted: Type.Boolean(),
  observed_at: Type.String(),
});
const isPrediction = Compile(PredictionLine);
const isOutcome = Compile(OutcomeLine);

/** A record whose time (and observed_at) parse, as milliseconds; undefined: malformed. */
export interface Timed<R> {
  readonly record: R;
  readonly time: number;
}
export interface TimedOutcome extends Timed<OutcomeRecord> {
  readonly observedAt: number;
}

export interface MalformedObject {
  /** Object (file) name relative to the log's root. */
  readonly object: string;
  /** Lines skipped in it. */
  readonly lines: number;
}

export interface LogContents {
  /** Predictions of the model scored in the window. */
  readonly predictions: Timed<PredictionRecord>[];
  /**
   * Predictions scored in the lookback before the window: joined to the window's outcomes (a
   * lead converts weeks after it was scored), never monitored for drift. Without their fields,
   * which only drift reads: a month of lookback must not hold a month of inputs in memory.
   */
  readonly earlier: Timed<PredictionRecord>[];
  /**
   * A rollout's shadow records (`shadow: true`) of the window and the lookback, without their
   * fields: a candidate's scores of leads production answered. Kept apart so that they never
   * count as answers (in the join, in drift); judging the candidate on them is for later.
   */
  readonly shadow: Timed<PredictionRecord>[];
  /** Outcomes received in the window. */
  readonly outcomes: TimedOutcome[];
  readonly objectsRead: number;
  readonly malformed: MalformedObject[];
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The Hive partition value of a name, as the sink writes it (gcs.ts `safe`). */
const partitionValue = (text: string) => text.replace(/[^A-Za-z0-9_.-]/g, "_");

/** Reads the window's predictions and outcomes, and the predictions of `lookbackMs` before it. */
export async function readLog(
  store: ArtifactStore,
  model: string,
  window: TimeWindow,
  lookbackMs = 0,
): Promise<LogContents> {
  const contents: Mutable<LogContents> = {
    predictions: [],
    earlier: [],
    shadow: [],
    outcomes: [],
    objectsRead: 0,
    malformed: [],
  };
  const joinFrom = window.start.getTime() - lookbackMs;
  const windowDays = new Set(windowDates(window));
  for (const date of windowDates(window, new Date(joinFrom))) {
    const modelDir = joinPath("predictions", `date=${date}`, `model=${partitionValue(model)}`);
    for (const versionDir of await store.listDirectories(modelDir)) {
      if (!versionDir.startsWith("version=")) continue;
      await readObjects(store, joinPath(modelDir, versionDir), contents, (line) => {
        if (!isPrediction.Check(line)) return false;
        const time = Date.parse(line.time);
        if (Number.isNaN(time)) return false;
        if (line.model !== model) return true;
        const record = line as PredictionRecord;
        if (record.shadow === true) {
          if (time >= joinFrom && (inWindow(window, time) || time < window.start.getTime())) {
            contents.shadow.push({ record: { ...record, fields: null }, time });
          }
          return true;
        }
        if (inWindow(window, time)) contents.predictions.push({ record, time });
        else if (time >= joinFrom && time < window.start.getTime()) {
          contents.earlier.push({ record: { ...record, fields: null }, time });
        }
        return true;
      });
    }
    if (!windowDays.has(date)) continue;
    await readObjects(store, joinPath("outcomes", `date=${date}`), contents, (line) => {
      if (!isOutcome.Check(line)) return false;
      const time = Date.parse(line.time);
      const observedAt = Date.parse(line.observed_at);
      if (Number.isNaN(time) || Number.isNaN(observedAt)) return false;
      if (inWindow(window, time)) {
        contents.outcomes.push({ record: line as OutcomeRecord, time, observedAt });
      }
      return true;
    });
  }
  return contents;
}

/** Objects downloaded at once: a week of batches is thousands of small objects per replica. */
const PARALLEL_READS = 16;

/** Feeds each parsed line of each .ndjson object in `dir` to `accept` (false: malformed). */
async function readObjects(
  store: ArtifactStore,
  dir: string,
  contents: Mutable<LogContents>,
  accept: (line: unknown) => boolean,
): Promise<void> {
  const objects = (await store.listFiles(dir))
    .filter((file) => file.endsWith(".ndjson"))
    .map((file) => joinPath(dir, file));
  for (let i = 0; i < objects.length; i += PARALLEL_READS) {
    const chunk = objects.slice(i, i + PARALLEL_READS);
    const texts = await Promise.all(chunk.map((object) => store.readFile(object)));
    // Parsed in object order, so counts and the malformed list do not depend on timing.
    texts.forEach((bytes, j) => {
      contents.objectsRead++;
      const bad = parseLines(bytes.toString("utf8"), accept);
      if (bad > 0) contents.malformed.push({ object: chunk[j]!, lines: bad });
    });
  }
}

/** Feeds each line of an NDJSON text to `accept`; returns how many were malformed. */
function parseLines(text: string, accept: (line: unknown) => boolean): number {
  let bad = 0;
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      bad++;
      continue;
    }
    if (!accept(parsed)) bad++;
  }
  return bad;
}

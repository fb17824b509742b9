import type { DataPlane } from "../../dataplane/dataplane.js";
import type { InstanceOutcome } from "../../dataplane/types.js";
import { InvalidInputError } from "../../errors.js";
import type { InputBatch } from "./input-rows.js";

/** One field's share of a score, in the explainer's space (log-odds for a binary model). */
export interface Attribution {
  readonly field: string;
  readonly attribution: number;
}

export interface ScoredRow {
  readonly row: number;
  readonly id: string | undefined;
  readonly score: number;
  /** With --explain K: the K largest attributions by magnitude. */
  readonly top?: readonly Attribution[];
}

export interface FailedRow {
  readonly row: number;
  readonly id: string | undefined;
  readonly error: string;
  readonly code: string;
}

/** A chunk's rows, each either scored or failed, each list in input order. */
export interface ScoredChunk {
  readonly scored: readonly ScoredRow[];
  readonly failed: readonly FailedRow[];
}

/**
 * Scores one chunk through the data plane's per-instance mode (parameters.partial of /predict),
 * so each row gets exactly the score or the error /predict gives it; with `topK` > 0, explains
 * the rows that scored, as /explain does.
 */
export async function scoreChunk(
  dataPlane: DataPlane,
  batch: InputBatch,
  topK: number,
): Promise<ScoredChunk> {
  const scored: ScoredRow[] = [];
  const failed: FailedRow[] = [];
  const explained: unknown[] = [];
  if (batch.kind === "jsonl") {
    const readable = batch.rows.filter((row) => row.error === undefined);
    const outcomes = await instanceOutcomes(
      dataPlane,
      readable.map((row) => row.instance),
    );
    let next = 0;
    for (const row of batch.rows) {
      if (row.error !== undefined) {
        failed.push({ row: row.row, id: undefined, error: row.error, code: "INVALID_INPUT" });
        continue;
      }
      const outcome = outcomes[next++]!;
      const id = idOf(row.instance, dataPlane.idField);
      if (sort(outcome, row.row, id, scored, failed) && topK > 0) explained.push(row.instance);
    }
  } else {
    const { table, records } = batch;
    const { values, ids, outcomes } = await csvOutcomes(dataPlane, batch);
    for (let j = 0; j < batch.rows.length; j++) {
      const r = batch.record[j]!;
      const id = ids[j];
      const outcome = outcomes[j];
      if (outcome === undefined) {
        const error = `has ${values[j]} values; the header has ${table.width} columns`;
        failed.push({ row: batch.rows[j]!, id, error, code: "INVALID_INPUT" });
      } else if (sort(outcome, batch.rows[j]!, id, scored, failed) && topK > 0) {
        explained.push(table.instanceOf(records, r, false));
      }
    }
  }
  if (explained.length > 0) {
    const { explanations } = await dataPlane.explain({ instances: explained });
    explanations.instances.forEach((explanation, i) => {
      const top = largest(explanation.attributions, explanations.fields, topK);
      scored[i] = { ...scored[i]!, top };
    });
  }
  return { scored, failed };
}

/** Files a row's outcome as scored or failed; true when it scored. */
function sort(
  outcome: InstanceOutcome,
  row: number,
  id: string | undefined,
  scored: ScoredRow[],
  failed: FailedRow[],
): boolean {
  if ("error" in outcome) {
    const { error } = outcome;
    failed.push({ row, id, error: aloneMessage(error.message), code: error.code });
    return false;
  }
  scored.push({ row, id, score: outcome.score });
  return true;
}

/**
 * A CSV batch's ids and outcomes, the outcome undefined for a row with the wrong number of values
 * (`values` says how many each row has). The rows go to the data plane as the text cells they are, in place. A row
 * that fails is sent again as the instance /predict would get, alone, so its message is exactly
 * /predict's.
 */
async function csvOutcomes(
  dataPlane: DataPlane,
  batch: Extract<InputBatch, { readonly kind: "csv" }>,
): Promise<{
  values: Int32Array;
  ids: (string | undefined)[];
  outcomes: (InstanceOutcome | undefined)[];
}> {
  const { table, records } = batch;
  const { firstCell } = records;
  const stride = table.fields.length;
  const size = batch.rows.length;
  const values = new Int32Array(size);
  const ids = new Array<string | undefined>(size);
  const valid: number[] = [];
  for (let j = 0; j < size; j++) {
    const r = batch.record[j]!;
    values[j] = firstCell[r + 1]! - firstCell[r]!;
    // A row with too few or too many values has no column that surely holds its id.
    if (values[j] !== table.width) continue;
    ids[j] = table.idOf(records, r);
    valid.push(j);
  }
  const start = new Int32Array(valid.length * stride);
  const end = new Int32Array(valid.length * stride);
  const doubledQuotes = new Uint8Array(valid.length * stride);
  const validIds = new Array<string | undefined>(valid.length);
  for (let v = 0, to = 0; v < valid.length; v++) {
    const r = batch.record[valid[v]!]!;
    const first = firstCell[r]!;
    for (let k = 0; k < stride; k++, to++) {
      const from = first + table.columns[k]!;
      start[to] = records.start[from]!;
      end[to] = records.end[from]!;
      doubledQuotes[to] = records.doubledQuotes[from]!;
    }
    validIds[v] = ids[valid[v]!];
  }
  const outcomes = new Array<InstanceOutcome | undefined>(size).fill(undefined);
  if (valid.length === 0) return { values, ids, outcomes };
  const cells = { bytes: records.bytes, start, end, doubledQuotes };
  const request = { fields: table.fields, cells, rows: valid.length, ids: validIds };
  const results = (await dataPlane.predictEachText(request)).outcomes;
  for (let v = 0; v < valid.length; v++) {
    const j = valid[v]!;
    let outcome = results[v]!;
    if ("error" in outcome) {
      const instance = table.instanceOf(records, batch.record[j]!);
      outcome = (await instanceOutcomes(dataPlane, [instance]))[0]!;
    }
    outcomes[j] = outcome;
  }
  return { values, ids, outcomes };
}

/**
 * Each instance's outcome. When none is valid the data plane answers the batch's error instead
 * (as /predict does); each instance alone then gets its own.
 */
async function instanceOutcomes(
  dataPlane: DataPlane,
  instances: readonly unknown[],
): Promise<readonly InstanceOutcome[]> {
  if (instances.length === 0) return [];
  try {
    return (await dataPlane.predictEach({ instances })).outcomes;
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    return Promise.all(
      instances.map((instance) =>
        dataPlane.predictEach({ instances: [instance] }).then(
          (result) => result.outcomes[0]!,
          (alone: unknown): InstanceOutcome => {
            if (alone instanceof InvalidInputError) return { error: alone };
            throw alone;
          },
        ),
      ),
    );
  }
}

/** The message names "instance 0" (the instance alone); the errors file names the row instead. */
function aloneMessage(message: string): string {
  return message.replace(/^instance 0, /, "").replace(/^instances\[0\]\./, "");
}

function idOf(instance: Record<string, unknown>, idField: string): string | undefined {
  const id = instance[idField];
  return typeof id === "string" ? id : undefined;
}

function largest(values: Float64Array, fields: readonly string[], k: number): Attribution[] {
  const order = Array.from(values.keys()).sort(
    (a, b) => Math.abs(values[b]!) - Math.abs(values[a]!),
  );
  return order.slice(0, k).map((i) => ({ field: fields[i]!, attribution: values[i]! }));
}

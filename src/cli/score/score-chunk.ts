import type { DataPlane } from "../../dataplane/dataplane.js";
import type { InstanceOutcome } from "../../dataplane/types.js";
import { InvalidInputError } from "../../errors.js";
import type { CsvTable } from "./csv-columns.js";
import type { InputRow } from "./input-rows.js";

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
  rows: readonly InputRow[],
  topK: number,
): Promise<ScoredChunk> {
  const readable = rows.filter((row) => row.error === undefined);
  const outcomes = await outcomesOf(dataPlane, readable);
  const scored: ScoredRow[] = [];
  const failed: FailedRow[] = [];
  const scoredInstances: unknown[] = [];
  let next = 0;
  for (const row of rows) {
    if (row.error !== undefined) {
      failed.push({ row: row.row, id: undefined, error: row.error, code: "INVALID_INPUT" });
      continue;
    }
    const outcome = outcomes[next++]!;
    const id =
      row.instance === undefined
        ? row.table.idOf(row.cells)
        : idOf(row.instance, dataPlane.idField);
    if ("error" in outcome) {
      const { error } = outcome;
      failed.push({ row: row.row, id, error: aloneMessage(error.message), code: error.code });
    } else {
      scored.push({ row: row.row, id, score: outcome.score });
      if (topK > 0) scoredInstances.push(row.instance ?? row.table.instanceOf(row.cells, false));
    }
  }
  if (topK > 0 && scoredInstances.length > 0) {
    const { explanations } = await dataPlane.explain({ instances: scoredInstances });
    explanations.instances.forEach((explanation, i) => {
      const top = largest(explanation.attributions, explanations.fields, topK);
      scored[i] = { ...scored[i]!, top };
    });
  }
  return { scored, failed };
}

type ReadRow = Exclude<InputRow, { readonly error: string }>;

/** Each readable row's outcome: CSV rows as rows of values, JSON objects as instances. */
function outcomesOf(
  dataPlane: DataPlane,
  rows: readonly ReadRow[],
): Promise<readonly InstanceOutcome[]> {
  if (rows.length === 0) return Promise.resolve([]);
  const first = rows[0]!;
  if (first.instance !== undefined) {
    return instanceOutcomes(
      dataPlane,
      rows.map((row) => row.instance),
    );
  }
  return valueOutcomes(dataPlane, first.table, rows as readonly CsvInputRow[]);
}

type CsvInputRow = Extract<ReadRow, { readonly cells: readonly string[] }>;

/**
 * CSV rows scored as rows of values: no object per row. A row that fails is sent again as the
 * instance /predict would get, alone, so its message is exactly /predict's.
 */
async function valueOutcomes(
  dataPlane: DataPlane,
  table: CsvTable,
  rows: readonly CsvInputRow[],
): Promise<readonly InstanceOutcome[]> {
  const stride = table.fields.length;
  const values = new Array<unknown>(rows.length * stride);
  const ids = new Array<string | undefined>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const { cells } = rows[i]!;
    table.decodeInto(cells, values, i * stride);
    ids[i] = table.idOf(cells);
  }
  const request = { fields: table.fields, values, rows: rows.length, ids };
  const outcomes = [...(await dataPlane.predictEachValues(request)).outcomes];
  for (let i = 0; i < outcomes.length; i++) {
    if (!("error" in outcomes[i]!)) continue;
    const instance = table.instanceOf(rows[i]!.cells);
    outcomes[i] = (await instanceOutcomes(dataPlane, [instance]))[0]!;
  }
  return outcomes;
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

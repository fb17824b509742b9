import type { DataPlane } from "../../dataplane/dataplane.js";
import type { InstanceOutcome } from "../../dataplane/types.js";
import { InvalidInputError } from "../../errors.js";
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
  const readable = rows.filter((row) => row.instance !== undefined);
  const outcomes = await outcomesOf(
    dataPlane,
    readable.map((row) => row.instance),
  );
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
    const id = row.id ?? idOf(row.instance, dataPlane.idField);
    if ("error" in outcome) {
      const { error } = outcome;
      failed.push({ row: row.row, id, error: aloneMessage(error.message), code: error.code });
    } else {
      scored.push({ row: row.row, id, score: outcome.score });
      scoredInstances.push(row.instance);
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

/**
 * Each instance's outcome. When none is valid the data plane answers the batch's error instead
 * (as /predict does); each instance alone then gets its own.
 */
async function outcomesOf(
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

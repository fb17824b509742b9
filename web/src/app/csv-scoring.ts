import Papa from "papaparse";
import type { Instance, ModelDescription, ServiceClient } from "../shared/api.js";
import { probabilityOf } from "../shared/api.js";
import { reasons } from "../shared/reasons.js";

/** Rows per /predict request: well under MAX_BATCH_SIZE (1000) and the body limit. */
const BATCH_ROWS = 500;

/** One row of the file, scored or not. */
export interface ScoredRow {
  /** 1-based, counting data rows (the header is row 0). */
  readonly row: number;
  readonly cells: Readonly<Record<string, string>>;
  readonly score?: number;
  readonly topReason?: string;
  readonly error?: string;
}

type Prediction = number | { probability: number } | InstanceError;
interface InstanceError {
  error: string;
  code: string;
}

function isError(prediction: Prediction): prediction is InstanceError {
  return typeof prediction === "object" && "error" in prediction;
}

/** Reads the file in chunks (the page stays responsive) into header-keyed rows. */
export function parseCsv(
  file: File,
): Promise<{ columns: string[]; rows: Record<string, string>[] }> {
  return new Promise((resolve, reject) => {
    const rows: Record<string, string>[] = [];
    let columns: string[] = [];
    Papa.parse<Record<string, string>>(file, {
      header: true,
      skipEmptyLines: "greedy",
      chunk: (results) => {
        columns = results.meta.fields ?? columns;
        for (const row of results.data) rows.push(row);
      },
      complete: () => resolve({ columns, rows }),
      error: (error) => reject(error),
    });
  });
}

/**
 * A row as an instance: the model's fields and the lead id only (other columns stay in the
 * file). Empty is null; a number field's text that is not a number is sent as it is, so that
 * the service's per-row error names the field.
 */
function instanceOf(
  model: ModelDescription,
  cells: Record<string, string>,
  idField: string,
): Instance {
  const instance: Instance = {};
  for (const field of model.fields) {
    const text = cells[field.name];
    if (text === undefined) continue;
    const trimmed = text.trim();
    if (trimmed === "") instance[field.name] = null;
    else if (field.type === "number" && Number.isFinite(Number(trimmed)))
      instance[field.name] = Number(trimmed);
    else instance[field.name] = text;
  }
  const id = cells[idField];
  if (id !== undefined && id !== "") instance[idField] = id;
  return instance;
}

/**
 * Scores the rows in batches through :predict with parameters.partial (a bad row gets its own
 * error, the others their score), then explains the scored rows of each batch for their top
 * reason. `progress` is called after each batch with the rows done.
 */
export async function scoreRows(
  client: ServiceClient,
  model: ModelDescription,
  rows: readonly Record<string, string>[],
  progress: (done: number) => void,
  idField = "lead_id",
): Promise<ScoredRow[]> {
  const scored: ScoredRow[] = [];
  const path = `/v1/models/${encodeURIComponent(model.name)}`;
  for (let start = 0; start < rows.length; start += BATCH_ROWS) {
    const batch = rows.slice(start, start + BATCH_ROWS);
    const instances = batch.map((cells) => instanceOf(model, cells, idField));
    const { predictions } = await client.request<{ predictions: Prediction[] }>(`${path}:predict`, {
      instances,
      parameters: { partial: true },
    });
    const valid = predictions.flatMap((prediction, i) => (isError(prediction) ? [] : [i]));
    const explanations =
      valid.length === 0
        ? []
        : await client.explain(
            model.name,
            valid.map((i) => instances[i]!),
          );
    const topReason = new Map(
      valid.map((i, k) => {
        const explanation = explanations[k];
        const top =
          explanation && reasons(model.fields, instances[i]!, explanation.attributions)[0];
        return [i, top?.text ?? ""];
      }),
    );
    batch.forEach((cells, i) => {
      const prediction = predictions[i]!;
      const row = start + i + 1;
      if (isError(prediction)) {
        scored.push({ row, cells, error: prediction.error });
      } else {
        scored.push({
          row,
          cells,
          score: probabilityOf(prediction),
          topReason: topReason.get(i) ?? "",
        });
      }
    });
    progress(Math.min(rows.length, start + BATCH_ROWS));
  }
  return scored;
}

/** The file back with three columns more, in the file's order (so it joins back on row). */
export function resultsCsv(columns: readonly string[], rows: readonly ScoredRow[]): string {
  return Papa.unparse({
    fields: ["row", ...columns, "score", "top_reason", "error"],
    data: rows.map((row) => [
      row.row,
      ...columns.map((column) => row.cells[column] ?? ""),
      row.score ?? "",
      row.topReason ?? "",
      row.error ?? "",
    ]),
  });
}

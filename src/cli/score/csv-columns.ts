import { InvalidInputError } from "../../errors.js";
import type { FieldInfo } from "../../dataplane/model-info.js";

/** What a CSV header is checked against: the model's fields and the id field. */
export interface CsvFields {
  readonly fields: readonly FieldInfo[];
  readonly idField: string;
}

/** A decimal number as a CRM exports it; anything else stays text for the data plane to refuse. */
const DECIMAL = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

type Decode = (text: string) => unknown;

/**
 * CSV has only text: a number field's cell becomes a number when it is one, and otherwise stays
 * text, so the data plane refuses it with the message /predict gives ("expected a number or
 * null, got string …"). An empty cell is a missing value (null), as an empty JSON field would be
 * left out. The id is text and no feature: it is kept beside the instance rather than in it, so
 * the data plane has no id to take out (a copy of every instance); an empty id cell means none.
 */
const asNumber: Decode = (text) => (text === "" ? null : DECIMAL.test(text) ? Number(text) : text);
const asText: Decode = (text) => (text === "" ? null : text);

/** A CSV row decoded: the instance and its id, or why the row could not be read. */
export type CsvRow =
  | { readonly instance: Record<string, unknown>; readonly id: string | undefined }
  | { readonly error: string };

/**
 * Checks a header once and returns the row decoder: an instance per row, or the row's error
 * (a different number of values than the header). A column that is neither a model field nor
 * the id field fails the run here: every row would fail with it.
 */
export function csvColumns(
  header: readonly string[],
  { fields, idField }: CsvFields,
): (values: string[]) => CsvRow {
  const types = new Map(fields.map((field) => [field.name, field.type]));
  const seen = new Set<string>();
  const idColumn = header.indexOf(idField);
  const decoders = header.map((name): Decode | undefined => {
    if (seen.has(name)) throw new InvalidInputError(`the CSV header has "${name}" twice`);
    seen.add(name);
    if (name === idField) return undefined;
    const type = types.get(name);
    if (type === undefined) {
      throw new InvalidInputError(
        `the CSV column "${name}" is neither a field of the model nor the id field "${idField}"; ` +
          `fields: ${fields.map((field) => field.name).join(", ")}`,
      );
    }
    return type === "number" ? asNumber : asText;
  });
  return (values) => {
    if (values.length !== header.length) {
      return { error: `has ${values.length} values; the header has ${header.length} columns` };
    }
    const instance: Record<string, unknown> = {};
    for (let column = 0; column < header.length; column++) {
      const decode = decoders[column];
      if (decode !== undefined) instance[header[column]!] = decode(values[column]!);
    }
    const id = idColumn < 0 || values[idColumn] === "" ? undefined : values[idColumn];
    return { instance, id };
  };
}

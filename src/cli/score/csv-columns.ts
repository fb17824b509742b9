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
 * left out. The id is text and no feature: it is kept beside the values rather than among them;
 * an empty id cell means none.
 */
const asNumber: Decode = (text) => (text === "" ? null : DECIMAL.test(text) ? Number(text) : text);
const asText: Decode = (text) => (text === "" ? null : text);

/** A CSV's columns, checked once against the model: how each row's cells become values. */
export interface CsvTable {
  /** The model fields the columns give, in column order (the id column is none of them). */
  readonly fields: readonly string[];
  /** Why a row cannot be read (not the header's number of values), or undefined. */
  check(cells: readonly string[]): string | undefined;
  /** Writes a checked row's values, in `fields` order, into `values[from..]`. */
  decodeInto(cells: readonly string[], values: unknown[], from: number): void;
  /** A checked row's id, when it has one. */
  idOf(cells: readonly string[]): string | undefined;
  /**
   * A checked row as the instance /predict would be sent, with its id unless `withId` is false
   * (explaining needs no id, and the data plane would copy the instance to take it out).
   */
  instanceOf(cells: readonly string[], withId?: boolean): Record<string, unknown>;
}

/**
 * Checks a header once. A column that is neither a model field nor the id field fails the run
 * here: every row would fail with it.
 */
export function csvColumns(header: readonly string[], { fields, idField }: CsvFields): CsvTable {
  const types = new Map(fields.map((field) => [field.name, field.type]));
  const seen = new Set<string>();
  const idColumn = header.indexOf(idField);
  for (const name of header) {
    if (seen.has(name)) throw new InvalidInputError(`the CSV header has "${name}" twice`);
    seen.add(name);
    if (name !== idField && !types.has(name)) {
      throw new InvalidInputError(
        `the CSV column "${name}" is neither a field of the model nor the id field "${idField}"; ` +
          `fields: ${fields.map((field) => field.name).join(", ")}`,
      );
    }
  }
  const columns = header.flatMap((name, column) => (name === idField ? [] : [column]));
  const names = columns.map((column) => header[column]!);
  const decoders = names.map((name) => (types.get(name) === "number" ? asNumber : asText));
  const idOf = (cells: readonly string[]) =>
    idColumn < 0 || cells[idColumn] === "" ? undefined : cells[idColumn];
  return {
    fields: names,
    check: (cells) =>
      cells.length === header.length
        ? undefined
        : `has ${cells.length} values; the header has ${header.length} columns`,
    decodeInto: (cells, values, from) => {
      for (let k = 0; k < columns.length; k++) values[from + k] = decoders[k]!(cells[columns[k]!]!);
    },
    idOf,
    instanceOf: (cells, withId = true) => {
      const id = withId ? idOf(cells) : undefined;
      const instance: Record<string, unknown> = id === undefined ? {} : { [idField]: id };
      for (let k = 0; k < columns.length; k++)
        instance[names[k]!] = decoders[k]!(cells[columns[k]!]!);
      return instance;
    },
  };
}

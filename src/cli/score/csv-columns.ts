import { InvalidInputError } from "../../errors.js";
import type { FieldInfo } from "../../dataplane/model-info.js";
import { cellText, textValue } from "../../model/text-cells.js";
import type { CsvRecords } from "./csv-records.js";

/** What a CSV header is checked against: the model's fields and the id field. */
export interface CsvFields {
  readonly fields: readonly FieldInfo[];
  readonly idField: string;
}

/** A CSV's columns, checked once against the model: where each field and the id lie in a row. */
export interface CsvTable {
  /** The model fields the columns give, in column order (the id column is none of them). */
  readonly fields: readonly string[];
  /** Per field of `fields`: its column. */
  readonly columns: Int32Array;
  /** Values per record: the header's. */
  readonly width: number;
  /** Record r's id, when it has one (an empty id cell means none). */
  idOf(records: CsvRecords, r: number): string | undefined;
  /**
   * Record r as the instance /predict would be sent, with its id unless `withId` is false
   * (explaining needs no id, and the data plane would copy the instance to take it out).
   */
  instanceOf(records: CsvRecords, r: number, withId?: boolean): Record<string, unknown>;
}

/**
 * Checks a header once. A column that is neither a model field nor the id field fails the run
 * here: every row would fail with it. The id is text and no feature: it is kept beside the
 * values rather than among them.
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
  const columns = Int32Array.from(
    header.flatMap((name, column) => (name === idField ? [] : [column])),
  );
  const names = Array.from(columns, (column) => header[column]!);
  const numberField = names.map((name) => types.get(name) === "number");
  const idOf = (records: CsvRecords, r: number) => {
    if (idColumn < 0) return undefined;
    const cell = records.firstCell[r]! + idColumn;
    return records.end[cell]! > records.start[cell]! ? cellText(records, cell) : undefined;
  };
  return {
    fields: names,
    columns,
    width: header.length,
    idOf,
    instanceOf: (records, r, withId = true) => {
      const id = withId ? idOf(records, r) : undefined;
      const instance: Record<string, unknown> = id === undefined ? {} : { [idField]: id };
      const first = records.firstCell[r]!;
      for (let k = 0; k < columns.length; k++) {
        instance[names[k]!] = textValue(cellText(records, first + columns[k]!), numberField[k]!);
      }
      return instance;
    },
  };
}

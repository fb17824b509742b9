import { describeValue, quoteInput } from "../echo.js";
import { ArtifactError, InvalidInputError } from "../errors.js";
import { ByteKeys } from "./byte-keys.js";
import { FieldColumns } from "./field-columns.js";
import {
  PREPROCESSOR_V1,
  type CategoricalFieldSpec,
  type NumericFieldSpec,
  type PreprocessorSpec,
} from "./preprocessor-spec.js";
import { TextRowEncoder, type CategoricalTarget } from "./text-row-encoder.js";

/** Called once per instance field whose category the model never saw (it encodes as all zeros). */
export type UnknownCategorySink = (field: string) => void;

interface NumericColumn {
  readonly name: string;
  readonly fill: number;
  readonly mean: number;
  readonly scale: number;
  readonly index: number;
}

interface CategoricalColumn {
  readonly name: string;
  /**
   * Category → absolute output column, and each missing sentinel → fillColumn: one lookup per
   * string value. A Map: category strings are data, not object keys.
   */
  readonly columns: ReadonlyMap<string, number>;
  /** Output column of the fill value when the field is missing, or -1 if it is not a category. */
  readonly fillColumn: number;
  /** Appended to a wrong-type error: the known categories, when few enough to read. */
  readonly knownValues: string;
}

/** Where each field sits in a row of values (Preprocessor.valueLayout); -1 = absent. */
export interface ValueLayout {
  /** Values per row. */
  readonly width: number;
  readonly numeric: Int32Array;
  readonly categorical: Int32Array;
}

/** A categorical field's wrong-type error lists its categories up to this many. */
export const MAX_LISTED_CATEGORIES = 20;

/**
 * Executes preprocessor.json exactly as the fitted scikit-learn ColumnTransformer does
 * (docs/artifacts.md): median imputation + standard scaling for numbers, "missing" imputation +
 * one-hot with unknown categories ignored for strings. Arithmetic happens in float64 and is stored
 * as float32, the same rounding numpy → xgboost.DMatrix applies, so the rows are bit-identical.
 *
 * Everything per-field is compiled here once per model; `encode` only walks arrays.
 */
export class Preprocessor {
  readonly width: number;
  readonly fieldNames: readonly string[];
  /** Which output columns each field writes; checked to partition the row exactly. */
  readonly columns: FieldColumns;
  private readonly numeric: readonly NumericColumn[];
  private readonly categorical: readonly CategoricalColumn[];
  private readonly missing: ReadonlySet<string>;
  private readonly known: ReadonlySet<string>;

  /** The preprocessor.json it executes (monitoring reads the missing sentinels and fills). */
  readonly spec: PreprocessorSpec;

  /** The categories' and sentinels' byte lookups, built for the first textEncoder. */
  private byteKeys?: {
    readonly categorical: readonly CategoricalTarget[];
    readonly missing: ByteKeys;
  };

  /** textEncoder's last answer: batch scoring asks for one layout, a chunk of rows at a time. */
  private lastTextEncoder?: {
    readonly names: readonly string[];
    readonly maxStringLength: number;
    readonly encoder: TextRowEncoder;
  };

  constructor(spec: PreprocessorSpec) {
    this.spec = spec;
    this.width = spec.n_outputs;
    if (spec.output_columns.length !== spec.n_outputs) {
      throw new ArtifactError(
        `preprocessor.json: output_columns has ${spec.output_columns.length} names, n_outputs is ${spec.n_outputs}`,
      );
    }
    // Bounds and overlaps of every field's columns are checked here, once, for encode and explain.
    this.columns = new FieldColumns(spec);
    this.fieldNames = this.columns.names;
    this.known = new Set(this.fieldNames);
    if (this.known.size !== this.fieldNames.length) {
      throw new ArtifactError("preprocessor.json: field names are not unique");
    }
    this.missing = new Set(spec.missing_values);
    this.numeric = spec.fields
      .filter((field): field is NumericFieldSpec => field.type === "numeric")
      .map((field) => this.compileNumeric(field));
    this.categorical = spec.fields
      .filter((field): field is CategoricalFieldSpec => field.type === "categorical")
      .map((field) => this.compileCategorical(field, spec.format !== PREPROCESSOR_V1));
  }

  /**
   * Encodes instances (objects keyed by field name) into a row-major float32 matrix of
   * `instances.length × width`. Throws InvalidInputError naming the instance and field.
   */
  encode(instances: readonly unknown[], onUnknownCategory?: UnknownCategorySink): Float32Array {
    const out = new Float32Array(instances.length * this.width);
    for (let row = 0; row < instances.length; row++) {
      this.encodeRow(instances[row], row, out, row * this.width, onUnknownCategory);
    }
    return out;
  }

  /**
   * Encodes one instance into `out[base .. base + width)` with the messages it would get if it
   * were sent alone (instance 0), for results per instance. On an InvalidInputError the slot is
   * zeroed again, so the caller can reuse it for the next instance.
   */
  encodeInto(
    instance: unknown,
    out: Float32Array,
    base: number,
    onUnknownCategory?: UnknownCategorySink,
  ): void {
    try {
      this.encodeRow(instance, 0, out, base, onUnknownCategory);
    } catch (error) {
      out.fill(0, base, base + this.width);
      throw error;
    }
  }

  /**
   * Where each field is in a row of values laid out as `names` (a CSV's columns): compiled once
   * per layout, for encodeValuesInto. A name that is no field is refused as an unknown field,
   * the message an instance carrying it would get.
   */
  valueLayout(names: readonly string[]): ValueLayout {
    const at = new Map(names.map((name, i) => [name, i]));
    const unknown = names.find((name) => !this.known.has(name));
    if (unknown !== undefined) this.rejectUnknownField({ [unknown]: null }, 0);
    return {
      width: names.length,
      numeric: Int32Array.from(this.numeric, (column) => at.get(column.name) ?? -1),
      categorical: Int32Array.from(this.categorical, (column) => at.get(column.name) ?? -1),
    };
  }

  /**
   * The encoder of rows of text cells laid out as `names` (a CSV's columns; see valueLayout),
   * compiled once per layout: the same array of names asked again gets the same encoder.
   */
  textEncoder(names: readonly string[], maxStringLength: number): TextRowEncoder {
    const last = this.lastTextEncoder;
    if (last?.names === names && last.maxStringLength === maxStringLength) return last.encoder;
    this.byteKeys ??= {
      categorical: this.categorical.map((column) => ({
        name: column.name,
        columns: new ByteKeys(column.columns),
        fillColumn: column.fillColumn,
      })),
      missing: new ByteKeys(new Map([...this.missing].map((sentinel) => [sentinel, 0]))),
    };
    const { categorical, missing } = this.byteKeys;
    const layout = this.valueLayout(names);
    const encoder = new TextRowEncoder(layout, this.numeric, categorical, missing, maxStringLength);
    this.lastTextEncoder = { names, maxStringLength, encoder };
    return encoder;
  }

  /**
   * encodeInto for an instance given as a row of values, `values[from + i]` being field
   * `layout`'s i-th name (undefined: absent): the same checks, messages and arithmetic, in the
   * same order, as for the object with those fields, without building it.
   */
  encodeValuesInto(
    values: readonly unknown[],
    from: number,
    layout: ValueLayout,
    out: Float32Array,
    base: number,
    onUnknownCategory?: UnknownCategorySink,
  ): void {
    try {
      for (let c = 0; c < this.numeric.length; c++) {
        const column = this.numeric[c]!;
        const position = layout.numeric[c]!;
        const value = position < 0 ? undefined : values[from + position];
        out[base + column.index] =
          (this.numberOrFill(value, column, 0) - column.mean) / column.scale;
      }
      for (let c = 0; c < this.categorical.length; c++) {
        const column = this.categorical[c]!;
        const position = layout.categorical[c]!;
        const value = position < 0 ? undefined : values[from + position];
        const target = this.categoryColumn(value, column, 0, onUnknownCategory);
        if (target >= 0) out[base + target] = 1;
      }
    } catch (error) {
      out.fill(0, base, base + this.width);
      throw error;
    }
  }

  private encodeRow(
    instance: unknown,
    row: number,
    out: Float32Array,
    base: number,
    onUnknownCategory: UnknownCategorySink | undefined,
  ): void {
    if (typeof instance !== "object" || instance === null || Array.isArray(instance)) {
      throw new InvalidInputError(
        `instance ${row}: expected an object keyed by field name, got ${describeValue(instance)}`,
      );
    }
    const record = instance as Record<string, unknown>;
    let present = 0;
    for (const column of this.numeric) {
      const value = record[column.name];
      if (value !== undefined) present++;
      out[base + column.index] =
        (this.numberOrFill(value, column, row) - column.mean) / column.scale;
    }
    for (const column of this.categorical) {
      const value = record[column.name];
      if (value !== undefined) present++;
      const target = this.categoryColumn(value, column, row, onUnknownCategory);
      if (target >= 0) out[base + target] = 1;
    }
    // Every known key was counted above; more keys than that means one is unknown.
    if (Object.keys(record).length !== present) this.rejectUnknownField(record, row);
  }

  private numberOrFill(value: unknown, column: NumericColumn, row: number): number {
    if (typeof value === "number") {
      if (Number.isFinite(value)) return value;
      throw new InvalidInputError(
        `instance ${row}, field "${column.name}": expected a finite number, got ${value}`,
      );
    }
    if (this.isMissing(value)) return column.fill;
    throw new InvalidInputError(
      `instance ${row}, field "${column.name}": expected a number or null, got ${describeValue(value)}`,
    );
  }

  private categoryColumn(
    value: unknown,
    column: CategoricalColumn,
    row: number,
    onUnknownCategory: UnknownCategorySink | undefined,
  ): number {
    if (typeof value === "string") {
      const target = column.columns.get(value);
      if (target !== undefined) return target;
      onUnknownCategory?.(column.name);
      return -1;
    }
    if (value === undefined || value === null) return column.fillColumn;
    throw new InvalidInputError(
      `instance ${row}, field "${column.name}": expected a string or null, got ${describeValue(value)}${column.knownValues}`,
    );
  }

  /** Absent, null, and the missing sentinels (e.g. the web form's "Select") are all missing. */
  private isMissing(value: unknown): boolean {
    return (
      value === undefined ||
      value === null ||
      (typeof value === "string" && this.missing.has(value))
    );
  }

  private rejectUnknownField(record: Record<string, unknown>, row: number): never {
    const unknown = Object.keys(record).find((key) => !this.known.has(key)) ?? "?";
    throw new InvalidInputError(
      `instance ${row}, field ${quoteInput(unknown)}: unknown field; expected fields are ${this.fieldNames.join(", ")}`,
    );
  }

  private compileNumeric(field: NumericFieldSpec): NumericColumn {
    if (field.scale === 0)
      throw new ArtifactError(`preprocessor.json: field "${field.name}" has scale 0`);
    return {
      name: field.name,
      fill: field.fill_value,
      mean: field.mean,
      scale: field.scale,
      index: field.output_index,
    };
  }

  /** `reservedFill` (format v2): a request string equal to the fill value is not missing. */
  private compileCategorical(
    field: CategoricalFieldSpec,
    reservedFill: boolean,
  ): CategoricalColumn {
    const columns = new Map(
      field.categories.map((category, i) => [category, field.output_offset + i]),
    );
    const fillColumn = columns.get(field.fill_value) ?? -1;
    // Dropped from the lookup once, here: encode then finds the marker string unseen, for free.
    if (reservedFill) columns.delete(field.fill_value);
    // Composed here, once per model: unknown categories are legal, so this is a hint for a
    // wrong type (a form sending a number), not a closed list.
    const known = [...columns.keys()];
    const knownValues =
      known.length <= MAX_LISTED_CATEGORIES
        ? `; known values: ${known.map((c) => JSON.stringify(c)).join(", ")} ` +
          "(any other string is scored as an unseen category)"
        : "";
    // A sentinel is missing even where it is also a category name, as isMissing decides.
    for (const sentinel of this.missing) columns.set(sentinel, fillColumn);
    return {
      name: field.name,
      columns,
      fillColumn,
      knownValues,
    };
  }
}

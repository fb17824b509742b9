import { ArtifactError } from "../errors.js";
import type { PreprocessorSpec } from "./preprocessor-spec.js";

/**
 * Which preprocessed columns each raw input field writes: a numeric field its one scaled column,
 * a categorical field its one-hot block. The blocks partition the row (checked at load), so
 * attributions per column sum into attributions per field exactly (SHAP values are additive), and
 * a row mixing two instances field by field is a copy of column ranges.
 */
export class FieldColumns {
  /** Raw field names, in preprocessor (request-schema) order. */
  readonly names: readonly string[];
  readonly width: number;
  private readonly start: Int32Array;
  private readonly end: Int32Array;

  constructor(spec: PreprocessorSpec) {
    this.names = spec.fields.map((field) => field.name);
    this.width = spec.n_outputs;
    this.start = new Int32Array(spec.fields.length);
    this.end = new Int32Array(spec.fields.length);
    const owner = new Int32Array(this.width).fill(-1);
    spec.fields.forEach((field, f) => {
      const [start, count] =
        field.type === "numeric"
          ? [field.output_index, 1]
          : [field.output_offset, field.categories.length];
      this.start[f] = start;
      this.end[f] = start + count;
      for (let column = start; column < start + count; column++) {
        if (column >= this.width || owner[column] !== -1) {
          throw new ArtifactError(
            `preprocessor.json: field "${field.name}" writes column ${column}, outside the row or another field's`,
          );
        }
        owner[column] = f;
      }
    });
    const orphan = owner.indexOf(-1);
    if (orphan >= 0) {
      throw new ArtifactError(`preprocessor.json: no field writes output column ${orphan}`);
    }
  }

  get count(): number {
    return this.names.length;
  }

  /** The columns field `field` writes: `[start, end)`. */
  columnsOf(field: number): { start: number; end: number } {
    return { start: this.start[field]!, end: this.end[field]! };
  }

  /** Sums per-column values (`columns[offset..offset + width)`) into one value per field. */
  sum(columns: Float64Array, offset: number, out: Float64Array): void {
    for (let f = 0; f < this.start.length; f++) {
      let total = 0;
      for (let c = this.start[f]!; c < this.end[f]!; c++) total += columns[offset + c]!;
      out[f] = total;
    }
  }

  /** Copies field `field`'s columns of the row at `source[from..]` into the row at `target[to..]`. */
  copyField(
    field: number,
    source: Float32Array,
    from: number,
    target: Float32Array,
    to: number,
  ): void {
    for (let c = this.start[field]!; c < this.end[field]!; c++) target[to + c] = source[from + c]!;
  }
}

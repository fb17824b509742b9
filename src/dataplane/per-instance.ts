import { InvalidInputError } from "../errors.js";
import type { Preprocessor, UnknownCategorySink } from "../model/preprocessor.js";
import { separateIds } from "./instance-ids.js";
import { checkStringLength, checkStringLengths } from "./string-lengths.js";
import type { PredictTextRequest } from "./types.js";

/** A batch encoded instance by instance: the rows that encoded, and the error of each that did not. */
export interface EncodedEach {
  /** Row-major `rows × width`: the instances that encoded, in order. */
  readonly features: Float32Array;
  readonly rows: number;
  /** The instances that encoded (without their id field), in order: what monitoring sees. */
  readonly scored: readonly unknown[];
  /** Their ids, when any instance of the batch carried one. */
  readonly scoredIds?: readonly (string | undefined)[];
  /** Per instance: its row in `features`, or -1 when it failed. */
  readonly slots: Int32Array;
  /** Per instance: why it failed (undefined when it encoded). */
  readonly errors: readonly (InvalidInputError | undefined)[];
  /** Per instance: the id it carried, when any instance carried one. */
  readonly ids?: readonly (string | undefined)[];
}

export interface EncodeEachOptions {
  readonly idField: string;
  readonly maxStringLength: number;
  readonly onUnknownCategory?: UnknownCategorySink;
}

/**
 * Runs, for each instance alone, exactly the checks a request carrying only that instance gets
 * (string lengths, the id, the model's fields), so a failed instance's message is the one that
 * request would answer with. Unknown categories are reported only for instances that encoded:
 * monitoring counts what was scored.
 */
export function encodeEach(
  preprocessor: Preprocessor,
  instances: readonly unknown[],
  { idField, maxStringLength, onUnknownCategory }: EncodeEachOptions,
): EncodedEach {
  const width = preprocessor.width;
  const features = new Float32Array(instances.length * width);
  const slots = new Int32Array(instances.length).fill(-1);
  const errors = new Array<InvalidInputError | undefined>(instances.length).fill(undefined);
  const allIds = new Array<string | undefined>(instances.length).fill(undefined);
  const scored: unknown[] = [];
  const scoredIds: (string | undefined)[] = [];
  const unknown: string[] = [];
  const collect = onUnknownCategory && ((field: string) => unknown.push(field));
  let anyId = false;
  for (let i = 0; i < instances.length; i++) {
    unknown.length = 0;
    try {
      const alone = [instances[i]];
      checkStringLengths(alone, maxStringLength);
      const { instances: withoutId, ids } = separateIds(alone, idField);
      const id = ids?.[0];
      if (id !== undefined) {
        anyId = true;
        allIds[i] = id;
      }
      const instance = withoutId[0];
      preprocessor.encodeInto(instance, features, scored.length * width, collect);
      slots[i] = scored.length;
      scored.push(instance);
      scoredIds.push(id);
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      errors[i] = error;
      continue;
    }
    for (const field of unknown) onUnknownCategory?.(field);
  }
  return {
    features: features.subarray(0, scored.length * width),
    rows: scored.length,
    scored,
    slots,
    errors,
    ...(anyId ? { ids: allIds, scoredIds } : {}),
  };
}

/**
 * encodeEach for instances given as rows of text cells (PredictTextRequest): per row the same
 * checks (string lengths, the id's included; the fields through Preprocessor.encodeValuesInto)
 * into one Float32Array, without an object per row. A plain row is encoded straight from its
 * bytes (TextRowEncoder), any other through the values its cells mean, which alone decides
 * errors. When a row has several faults, the one named can differ from the object's, whose key
 * order decides. `keepInstances` builds the scored rows' objects for the observers that look at
 * them (the prediction log); batch scoring has none.
 */
export function encodeEachText(
  preprocessor: Preprocessor,
  { fields, cells, rows, ids }: PredictTextRequest,
  { idField, maxStringLength, onUnknownCategory }: EncodeEachOptions,
  keepInstances: boolean,
): EncodedEach {
  const encoder = preprocessor.textEncoder(fields, maxStringLength);
  const stride = encoder.layout.width;
  if (cells.start.length !== rows * stride || cells.end.length !== rows * stride) {
    throw new InvalidInputError(
      `expected ${stride} cells per row, got ${cells.start.length} cells for ${rows} rows`,
    );
  }
  const width = preprocessor.width;
  const features = new Float32Array(rows * width);
  const slots = new Int32Array(rows).fill(-1);
  const errors = new Array<InvalidInputError | undefined>(rows).fill(undefined);
  const scored: unknown[] = [];
  const scoredIds: (string | undefined)[] = [];
  const values = new Array<unknown>(stride);
  const unknown: string[] = [];
  const collect = onUnknownCategory && ((field: string) => unknown.push(field));
  let count = 0;
  for (let i = 0, first = 0; i < rows; i++, first += stride) {
    unknown.length = 0;
    const id = ids?.[i];
    const base = count * width;
    try {
      checkStringLength(id, idField, maxStringLength, 0);
      if (!encoder.encodeInto(cells, first, features, base, unknown)) {
        unknown.length = 0;
        features.fill(0, base, base + width);
        encoder.valuesInto(cells, first, values);
        for (let k = 0; k < stride; k++) {
          checkStringLength(values[k], fields[k]!, maxStringLength, 0);
        }
        preprocessor.encodeValuesInto(values, 0, encoder.layout, features, base, collect);
      }
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      errors[i] = error;
      continue;
    }
    slots[i] = count++;
    if (keepInstances) {
      encoder.valuesInto(cells, first, values);
      scored.push(instanceOf(fields, values));
    }
    if (ids !== undefined) scoredIds.push(id);
    if (onUnknownCategory !== undefined) for (const field of unknown) onUnknownCategory(field);
  }
  return {
    features: features.subarray(0, count * width),
    rows: count,
    scored,
    slots,
    errors,
    ...(ids === undefined ? {} : { ids, scoredIds }),
  };
}

function instanceOf(fields: readonly string[], values: readonly unknown[]) {
  const instance: Record<string, unknown> = {};
  fields.forEach((field, k) => {
    if (values[k] !== undefined) instance[field] = values[k];
  });
  return instance;
}

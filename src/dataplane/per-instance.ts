import { InvalidInputError } from "../errors.js";
import type { Preprocessor, UnknownCategorySink } from "../model/preprocessor.js";
import { separateIds } from "./instance-ids.js";
import { checkStringLengths } from "./string-lengths.js";

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

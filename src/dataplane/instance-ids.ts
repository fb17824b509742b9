import { describeValue } from "../echo.js";
import { InvalidInputError } from "../errors.js";

/** Instances without their id field, and the ids they carried (only if any carried one). */
export interface SeparatedIds {
  readonly instances: readonly unknown[];
  readonly ids?: readonly (string | undefined)[];
}

/**
 * Takes the id field (e.g. `lead_id`) out of each instance before preprocessing: the id is not a
 * model feature, and the preprocessor rejects fields the model does not know. Instances without
 * it are passed on as they are (no copy); a non-string id is the caller's error, naming the
 * instance and field.
 */
export function separateIds(instances: readonly unknown[], idField: string): SeparatedIds {
  let ids: (string | undefined)[] | undefined;
  let stripped: unknown[] | undefined;
  for (let row = 0; row < instances.length; row++) {
    const instance = instances[row];
    if (typeof instance !== "object" || instance === null || !Object.hasOwn(instance, idField)) {
      continue;
    }
    const { [idField]: id, ...features } = instance as Record<string, unknown>;
    if (typeof id !== "string") {
      throw new InvalidInputError(
        `instances[${row}].${idField}: expected a string id, got ${describeValue(id)}`,
      );
    }
    ids ??= new Array<string | undefined>(instances.length).fill(undefined);
    stripped ??= instances.slice();
    ids[row] = id;
    stripped[row] = features;
  }
  return stripped === undefined ? { instances } : { instances: stripped, ids };
}

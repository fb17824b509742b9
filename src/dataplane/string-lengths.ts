import { quoteInput } from "../echo.js";
import { InvalidInputError } from "../errors.js";

/**
 * Every string an instance carries (a category, the id) is at most `maxLength` characters
 * (MAX_STRING_LENGTH). Checked here rather than by the body schema, so that with results per
 * instance one over-long value fails its own instance, not the batch. `firstRow` numbers the
 * instances in messages.
 */
export function checkStringLengths(
  instances: readonly unknown[],
  maxLength: number,
  firstRow = 0,
): void {
  for (let i = 0; i < instances.length; i++) {
    const instance = instances[i];
    if (typeof instance !== "object" || instance === null) continue;
    const record = instance as Record<string, unknown>;
    // for…in, not Object.entries: no array per instance on the request path. Parsed JSON has
    // only own properties.
    for (const field in record) checkStringLength(record[field], field, maxLength, firstRow + i);
  }
}

/** One value of instance `row`'s field `field`: at most `maxLength` characters if a string. */
export function checkStringLength(
  value: unknown,
  field: string,
  maxLength: number,
  row: number,
): void {
  if (typeof value === "string" && value.length > maxLength) {
    throw new InvalidInputError(
      `instance ${row}, field ${quoteInput(field)}: a string of ${value.length} characters; at most ${maxLength} are allowed`,
    );
  }
}

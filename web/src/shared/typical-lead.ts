import type { FieldValue, Instance, ModelField } from "./api.js";

/**
 * The model's typical lead (metadata explain_baseline) as the form shows it. A categorical value
 * outside the training categories there is the pipeline's missing marker (preprocessor v2 keeps
 * it out of the categories, and scores the string itself as unseen): the form says Unknown, which
 * is sent as null and imputed, the way the typical lead was scored.
 */
export function typicalLead(
  fields: readonly ModelField[],
  baseline: Readonly<Record<string, FieldValue>>,
): Instance {
  const lead: Instance = {};
  for (const field of fields) {
    const value = baseline[field.name] ?? null;
    const known = field.type !== "string" || (field.categories ?? []).includes(String(value));
    lead[field.name] = known ? value : null;
  }
  return lead;
}

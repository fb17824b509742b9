import type { FieldValue, Instance, ModelField } from "./api.js";

/** One field's share of a lead's score, said in words. */
export interface Reason {
  readonly field: string;
  readonly label: string;
  readonly value: FieldValue;
  readonly contribution: number;
  /** "Current occupation: Working Professional +2.50: raises the score" */
  readonly text: string;
}

export function fieldLabel(field: ModelField): string {
  return field.displayName;
}

function valueWords(value: FieldValue | undefined): string {
  if (value === null || value === undefined || value === "") return "unknown";
  return String(value);
}

export function signed(contribution: number): string {
  return `${contribution >= 0 ? "+" : "−"}${Math.abs(contribution).toFixed(2)}`;
}

/** Every field with a non-zero share, the largest (either sign) first. */
export function reasons(
  fields: readonly ModelField[],
  instance: Instance,
  attributions: Readonly<Record<string, number>>,
): Reason[] {
  return fields
    .map((field) => ({ field, contribution: attributions[field.name] ?? 0 }))
    .filter(({ contribution }) => contribution !== 0)
    .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution))
    .map(({ field, contribution }) => {
      const value = instance[field.name] ?? null;
      const effect = contribution > 0 ? "raises the score" : "lowers the score";
      return {
        field: field.name,
        label: fieldLabel(field),
        value,
        contribution,
        text: `${fieldLabel(field)}: ${valueWords(value)} ${signed(contribution)}: ${effect}`,
      };
    });
}

import type { FieldValue, Instance, ModelField } from "../shared/api.js";
import { fieldLabel } from "../shared/reasons.js";

/** The select options besides the training categories. */
const OTHER = "__other__";
const UNKNOWN = "__unknown__";

function fieldId(field: ModelField): string {
  return `field-${field.name}`;
}

function hintOf(field: ModelField): string | undefined {
  const parts: string[] = [];
  if (field.description !== undefined && field.description !== "") parts.push(field.description);
  if (field.trainingRange !== undefined) {
    const { min, max } = field.trainingRange;
    parts.push(`Seen in training: ${min} to ${max}`);
  }
  return parts.length > 0 ? parts.join(". ") : undefined;
}

function categorySelect(field: ModelField): HTMLElement[] {
  const select = document.createElement("select");
  select.id = fieldId(field);
  select.name = field.name;
  for (const category of field.categories ?? []) select.add(new Option(category, category));
  select.add(new Option("Other…", OTHER));
  select.add(new Option("Unknown", UNKNOWN));
  const other = document.createElement("input");
  other.id = `${fieldId(field)}-other`;
  other.type = "text";
  other.hidden = true;
  other.setAttribute("aria-label", `${fieldLabel(field)}: other value`);
  select.addEventListener("change", () => {
    other.hidden = select.value !== OTHER;
  });
  return [select, other];
}

function numberInput(field: ModelField): HTMLElement[] {
  const input = document.createElement("input");
  input.id = fieldId(field);
  input.name = field.name;
  input.type = "number";
  input.step = "any";
  input.inputMode = "decimal";
  if (field.trainingRange !== undefined) {
    input.placeholder = `${field.trainingRange.min} – ${field.trainingRange.max}`;
  }
  return [input];
}

/** A labelled control per model field, in the model's order, into `container`. */
export function renderFields(container: HTMLElement, fields: readonly ModelField[]): void {
  container.replaceChildren(
    ...fields.map((field) => {
      const wrapper = document.createElement("div");
      wrapper.className = "field";
      const label = document.createElement("label");
      label.htmlFor = fieldId(field);
      label.textContent = fieldLabel(field);
      const controls = field.type === "string" ? categorySelect(field) : numberInput(field);
      wrapper.append(label, ...controls);
      const hint = hintOf(field);
      if (hint !== undefined) {
        const note = document.createElement("span");
        note.className = "hint";
        note.id = `${fieldId(field)}-hint`;
        note.textContent = hint;
        controls[0]!.setAttribute("aria-describedby", note.id);
        wrapper.append(note);
      }
      return wrapper;
    }),
  );
}

/** The instance the form shows: empty or "Unknown" is null (imputed by the model). */
export function readInstance(container: HTMLElement, fields: readonly ModelField[]): Instance {
  const instance: Instance = {};
  for (const field of fields) {
    const control = container.querySelector<HTMLInputElement | HTMLSelectElement>(
      `#${CSS.escape(fieldId(field))}`,
    );
    let value: FieldValue = null;
    if (control instanceof HTMLSelectElement) {
      if (control.value === OTHER) {
        const other = container.querySelector<HTMLInputElement>(
          `#${CSS.escape(fieldId(field))}-other`,
        );
        value = other?.value === "" || other === null ? null : other.value;
      } else if (control.value !== UNKNOWN) value = control.value;
    } else if (control !== null && control.value !== "") {
      value = Number(control.value);
    }
    instance[field.name] = value;
  }
  return instance;
}

/** Shows `instance` in the form: a value outside the categories goes to "Other…". */
export function writeInstance(
  container: HTMLElement,
  fields: readonly ModelField[],
  instance: Readonly<Record<string, FieldValue>>,
): void {
  for (const field of fields) {
    const control = container.querySelector<HTMLInputElement | HTMLSelectElement>(
      `#${CSS.escape(fieldId(field))}`,
    );
    const value = instance[field.name] ?? null;
    if (control instanceof HTMLSelectElement) {
      const other = container.querySelector<HTMLInputElement>(
        `#${CSS.escape(fieldId(field))}-other`,
      )!;
      const known = value !== null && (field.categories ?? []).includes(String(value));
      control.value = value === null ? UNKNOWN : known ? String(value) : OTHER;
      other.value = value !== null && !known ? String(value) : "";
      other.hidden = control.value !== OTHER;
    } else if (control !== null) {
      control.value = value === null ? "" : String(value);
    }
  }
}

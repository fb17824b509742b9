import { ServiceClient, type Instance, type ModelDescription } from "../shared/api.js";
import { reasons } from "../shared/reasons.js";

/**
 * `<lead-score endpoint="https://scoring.example.com" fields-from="#signup">`: scores the form
 * named by fields-from as it changes and shows the conversion probability and the top three
 * reasons. Form controls are matched to the model's fields by their `name`; others are ignored.
 * Optional: `model` (default: the one the service serves), `api-key` (sent as a bearer token;
 * only for keys meant to be public, e.g. a predict-only key with a quota).
 */
const STYLE = `
:host { display: block; font: inherit; border: 1px solid #c9d1da; border-radius: 0.5rem; padding: 0.75rem; }
.probability { font-size: 2rem; font-weight: 700; margin: 0; }
meter { width: 100%; }
ol { margin: 0.5rem 0 0; padding-left: 1.25rem; }
.raises { color: #1f6fb4; }
.lowers { color: #c2410c; }
.error { color: #a4161a; }
`;
const DEBOUNCE_MS = 300;
const TOP = 3;

function numberOrText(text: string): number | string {
  const trimmed = text.trim();
  return trimmed !== "" && Number.isFinite(Number(trimmed)) ? Number(trimmed) : text;
}

export class LeadScore extends HTMLElement {
  private readonly root = this.attachShadow({ mode: "open" });
  private model: Promise<ModelDescription> | undefined;
  private client: ServiceClient | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private sent = 0;
  private readonly onChange = () => {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.score(), DEBOUNCE_MS);
  };

  connectedCallback(): void {
    // A stylesheet object, not a <style> element: a host page's strict CSP allows it.
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(STYLE);
    this.root.adoptedStyleSheets = [sheet];
    this.root.innerHTML =
      '<p part="label">Conversion probability</p><p class="probability" part="probability">–</p>' +
      '<meter min="0" max="1" value="0" aria-label="Conversion probability"></meter>' +
      '<ol part="reasons" aria-label="Top reasons"></ol><p class="error" role="alert" hidden></p>';
    this.root.querySelector(".probability")!.setAttribute("aria-live", "polite");
    const endpoint = (this.getAttribute("endpoint") ?? "").replace(/\/+$/, "");
    const key = this.getAttribute("api-key") ?? undefined;
    this.client = new ServiceClient(endpoint, () => key);
    this.model = this.loadModel(this.client);
    const form = this.form();
    form?.addEventListener("input", this.onChange);
    form?.addEventListener("change", this.onChange);
    this.onChange();
  }

  disconnectedCallback(): void {
    clearTimeout(this.timer);
    this.form()?.removeEventListener("input", this.onChange);
    this.form()?.removeEventListener("change", this.onChange);
  }

  private form(): HTMLFormElement | null {
    const selector = this.getAttribute("fields-from");
    return selector === null
      ? this.closest("form")
      : document.querySelector<HTMLFormElement>(selector);
  }

  private async loadModel(client: ServiceClient): Promise<ModelDescription> {
    const name = this.getAttribute("model");
    if (name === null) return client.describeModel();
    return client.request<ModelDescription>(`/v1/models/${encodeURIComponent(name)}`);
  }

  /** The model's fields the form has, typed as the model wants; empty is null. */
  private instance(model: ModelDescription, form: HTMLFormElement): Instance {
    const data = new FormData(form);
    const instance: Instance = {};
    for (const field of model.fields) {
      const value = data.get(field.name);
      if (typeof value !== "string") continue;
      if (value.trim() === "") instance[field.name] = null;
      else instance[field.name] = field.type === "number" ? numberOrText(value) : value;
    }
    return instance;
  }

  private async score(): Promise<void> {
    const form = this.form();
    if (form === null || this.model === undefined || this.client === undefined) return;
    const ticket = ++this.sent;
    const error = this.root.querySelector<HTMLElement>(".error")!;
    try {
      const model = await this.model;
      const instance = this.instance(model, form);
      const [explanation] = await this.client.explain(model.name, [instance]);
      if (ticket !== this.sent || explanation === undefined) return;
      const probability = this.root.querySelector<HTMLElement>(".probability")!;
      probability.textContent = `${(explanation.probability * 100).toFixed(1)} %`;
      probability.dataset.probability = String(explanation.probability);
      this.root.querySelector("meter")!.value = explanation.probability;
      this.root.querySelector("ol")!.replaceChildren(
        ...reasons(model.fields, instance, explanation.attributions)
          .slice(0, TOP)
          .map((reason) => {
            const item = document.createElement("li");
            item.className = reason.contribution > 0 ? "raises" : "lowers";
            item.textContent = reason.text;
            return item;
          }),
      );
      error.hidden = true;
    } catch (failure) {
      if (ticket !== this.sent) return;
      error.textContent = failure instanceof Error ? failure.message : String(failure);
      error.hidden = false;
    }
  }
}

if (customElements.get("lead-score") === undefined) customElements.define("lead-score", LeadScore);

import type { Instance, ModelDescription, ServiceClient } from "../shared/api.js";
import { reasons } from "../shared/reasons.js";
import { readInstance } from "./lead-form.js";
import { clearError, showError } from "./status.js";
import { renderWaterfall } from "./waterfall.js";

const DEBOUNCE_MS = 250;
const TOP_REASONS = 5;

/** Percent with one decimal: what a person reads; data-probability keeps the exact value. */
export function percent(probability: number): string {
  return `${(probability * 100).toFixed(1)} %`;
}

/**
 * Re-scores the form through :explain after each change settles, and shows the probability, the
 * gauge, the top reasons and the waterfall. An answer that arrives after a newer request was sent
 * is dropped, so the page never shows a stale score.
 */
export class LiveScore {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private sent = 0;

  constructor(
    private readonly client: ServiceClient,
    private readonly model: ModelDescription,
    private readonly form: HTMLFormElement,
  ) {
    form.addEventListener("input", () => this.schedule());
    form.addEventListener("change", () => this.schedule());
  }

  schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.score(), DEBOUNCE_MS);
  }

  async score(): Promise<void> {
    const instance = readInstance(this.form, this.model.fields);
    const ticket = ++this.sent;
    this.form.closest("section")?.setAttribute("aria-busy", "true");
    try {
      const [explanation] = await this.client.explain(this.model.name, [instance]);
      if (ticket !== this.sent || explanation === undefined) return;
      clearError();
      this.show(instance, explanation);
    } catch (error) {
      if (ticket === this.sent) showError(error);
    } finally {
      if (ticket === this.sent) this.form.closest("section")?.removeAttribute("aria-busy");
    }
  }

  private show(
    instance: Instance,
    explanation: Awaited<ReturnType<ServiceClient["explain"]>>[number],
  ): void {
    const probability = document.getElementById("probability")!;
    probability.textContent = percent(explanation.probability);
    probability.dataset.probability = String(explanation.probability);
    (document.getElementById("gauge") as HTMLMeterElement).value = explanation.probability;
    const all = reasons(this.model.fields, instance, explanation.attributions);
    const list = document.getElementById("reasons")!;
    list.replaceChildren(
      ...all.slice(0, TOP_REASONS).map((reason) => {
        const item = document.createElement("li");
        item.textContent = reason.text;
        item.className = reason.contribution > 0 ? "raises" : "lowers";
        return item;
      }),
    );
    if (all.length === 0)
      list.replaceChildren(
        Object.assign(document.createElement("li"), {
          textContent: "No field moves this lead away from the baseline.",
        }),
      );
    renderWaterfall(
      document.getElementById("waterfall")!,
      explanation.baseline,
      explanation.output,
      all,
    );
  }
}

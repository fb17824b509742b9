import type { ModelDescription, ServiceClient } from "../shared/api.js";
import { parseCsv, resultsCsv, scoreRows } from "./csv-scoring.js";
import { renderResults } from "./results-table.js";
import { showError } from "./status.js";

const ID_FIELD = "lead_id";

function downloadLink(csv: string, name: string): HTMLAnchorElement {
  const link = document.createElement("a");
  link.id = "csv-download";
  link.href = URL.createObjectURL(new Blob([csv], { type: "text/csv" }));
  link.download = name;
  link.textContent = "Download the scores as CSV";
  return link;
}

/** Drop or choose a CSV: it is parsed, scored in batches with a progress bar, and tabled. */
export function setUpCsvPanel(client: ServiceClient, model: ModelDescription): void {
  const drop = document.getElementById("drop")!;
  const input = document.getElementById("csv-file") as HTMLInputElement;
  const bar = document.getElementById("csv-progress") as HTMLProgressElement;
  const summary = document.getElementById("csv-summary")!;
  const results = document.getElementById("csv-results")!;

  const score = async (file: File) => {
    results.replaceChildren();
    summary.textContent = `Reading ${file.name}…`;
    try {
      const { columns, rows } = await parseCsv(file);
      bar.max = Math.max(1, rows.length);
      bar.value = 0;
      bar.hidden = false;
      summary.textContent = `Scoring ${rows.length} rows…`;
      const scored = await scoreRows(client, model, rows, (done) => {
        bar.value = done;
        summary.textContent = `Scored ${done} of ${rows.length} rows…`;
      });
      const errors = scored.filter((row) => row.error !== undefined).length;
      summary.textContent = `${scored.length - errors} scored, ${errors} with errors.`;
      summary.dataset.scored = String(scored.length - errors);
      summary.dataset.errors = String(errors);
      renderResults(results, scored, ID_FIELD);
      const name = file.name.replace(/\.csv$/i, "") + "-scored.csv";
      results.prepend(downloadLink(resultsCsv(columns, scored), name));
    } catch (error) {
      summary.textContent = "The file could not be scored.";
      showError(error);
    } finally {
      bar.hidden = true;
    }
  };

  input.addEventListener("change", () => {
    const file = input.files?.[0];
    if (file !== undefined) void score(file);
  });
  drop.addEventListener("dragover", (event) => {
    event.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    const file = event.dataTransfer?.files[0];
    if (file !== undefined) void score(file);
  });
}

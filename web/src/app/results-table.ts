import type { ScoredRow } from "./csv-scoring.js";
import { percent } from "./live-score.js";

const PAGE_ROWS = 50;

/** Highest score first; rows that failed after every scored one, in file order. */
export function byScore(rows: readonly ScoredRow[]): ScoredRow[] {
  return [...rows].sort((a, b) => (b.score ?? -1) - (a.score ?? -1) || a.row - b.row);
}

function cell(text: string, className?: string): HTMLTableCellElement {
  const td = document.createElement("td");
  td.textContent = text;
  if (className !== undefined) td.className = className;
  return td;
}

/**
 * The results a page of 50 rows at a time: 10,000 rows never become 10,000 table rows in the
 * document, so the page stays quick whatever the file's size.
 */
export function renderResults(
  container: HTMLElement,
  rows: readonly ScoredRow[],
  idField: string,
): void {
  const sorted = byScore(rows);
  const pages = Math.max(1, Math.ceil(sorted.length / PAGE_ROWS));
  const hasIds = rows.some((row) => (row.cells[idField] ?? "") !== "");
  const table = document.createElement("table");
  table.id = "csv-table";
  const caption = table.createCaption();
  caption.className = "visually-hidden";
  caption.textContent = "Scored leads, highest score first";
  const head = table.createTHead().insertRow();
  for (const title of ["Row", ...(hasIds ? ["Lead id"] : []), "Score", "Top reason", "Error"]) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = title;
    head.append(th);
  }
  const body = table.createTBody();
  const pager = document.createElement("div");
  pager.className = "pager";
  const previous = Object.assign(document.createElement("button"), {
    type: "button",
    textContent: "Previous",
  });
  const next = Object.assign(document.createElement("button"), {
    type: "button",
    textContent: "Next",
  });
  const where = document.createElement("span");
  where.setAttribute("aria-live", "polite");
  pager.append(previous, where, next);
  let page = 0;
  const show = () => {
    body.replaceChildren(
      ...sorted.slice(page * PAGE_ROWS, (page + 1) * PAGE_ROWS).map((row) => {
        const tr = document.createElement("tr");
        tr.append(
          cell(String(row.row), "number"),
          ...(hasIds ? [cell(row.cells[idField] ?? "")] : []),
          cell(row.score === undefined ? "" : percent(row.score), "number"),
          cell(row.topReason ?? ""),
          cell(row.error ?? "", "error"),
        );
        if (row.score !== undefined) tr.dataset.score = String(row.score);
        return tr;
      }),
    );
    where.textContent = `Page ${page + 1} of ${pages}`;
    previous.disabled = page === 0;
    next.disabled = page === pages - 1;
  };
  previous.addEventListener("click", () => {
    page = Math.max(0, page - 1);
    show();
  });
  next.addEventListener("click", () => {
    page = Math.min(pages - 1, page + 1);
    show();
  });
  show();
  const wrap = document.createElement("div");
  wrap.className = "table-wrap";
  wrap.append(table);
  container.replaceChildren(pager, wrap);
}

import * as Plot from "@observablehq/plot";
import type { Reason } from "../shared/reasons.js";
import { signed } from "../shared/reasons.js";
import { LOWERS, RAISES } from "../shared/colours.js";
import { labelColumn, withoutInlineStyle } from "./chart-frame.js";

interface Step {
  readonly label: string;
  readonly start: number;
  readonly end: number;
  readonly title: string;
  readonly colour: string;
}

/** Each reason a bar from the running total to the total after it, largest first. */
function steps(baseline: number, reasons: readonly Reason[]): Step[] {
  let total = baseline;
  return reasons.map((reason) => {
    const start = total;
    total += reason.contribution;
    return {
      label: reason.label,
      start,
      end: total,
      title: `${reason.label}: ${signed(reason.contribution)}`,
      colour: reason.contribution > 0 ? RAISES : LOWERS,
    };
  });
}

/** A waterfall from the baseline to this lead's output: one bar per field with a share. */
export function renderWaterfall(
  container: HTMLElement,
  baseline: number,
  output: number,
  reasons: readonly Reason[],
): void {
  const data = steps(baseline, reasons);
  const { width, marginLeft, tickFormat } = labelColumn(
    container,
    data.map((step) => step.label),
  );
  const chart = Plot.plot({
    width,
    height: 40 + 22 * (data.length + 1),
    marginLeft,
    style: { fontSize: "12px" },
    ariaLabel: "Waterfall of each field's contribution, from the baseline to this lead",
    x: { label: "log-odds of conversion", grid: true },
    y: { domain: data.map((step) => step.label), label: null, tickSize: 0, tickFormat },
    // The two lines are decoration for the eye: the paragraph above the chart says what they are.
    marks: [
      Plot.ruleX([baseline], { stroke: "#4a5360", strokeDasharray: "4,3", ariaHidden: "true" }),
      Plot.ruleX([output], { stroke: "#1b1f24", ariaHidden: "true" }),
      Plot.barX(data, {
        y: "label",
        x1: "start",
        x2: "end",
        fill: "colour",
        title: "title",
        // Each bar's accessible name: its field and signed share.
        ariaLabel: "title",
      }),
    ],
  });
  container.replaceChildren(withoutInlineStyle(chart));
}

/**
 * What both charts (waterfall, drift) need around Observable Plot: a left margin that fits the
 * field labels, and no inline <style> element.
 */

/** Roughly one character of a 12 px label. */
const CHAR_PX = 7.5;

/** The chart's width in `container`, and its label column: long labels are cut with "…". */
export function labelColumn(
  container: HTMLElement,
  labels: readonly string[],
): { width: number; marginLeft: number; tickFormat: (label: string) => string } {
  const width = Math.max(300, Math.min(container.clientWidth || 560, 720));
  const longest = Math.max(0, ...labels.map((label) => label.length));
  const marginLeft = Math.min(CHAR_PX * longest + 12, width * 0.5);
  const fits = Math.floor((marginLeft - 12) / CHAR_PX);
  // Only the axis text is cut: each bar keeps the whole label as its title and accessible name.
  const tickFormat = (label: string) =>
    label.length <= fits ? label : `${label.slice(0, Math.max(1, fits - 1))}…`;
  return { width, marginLeft, tickFormat };
}

/**
 * Plot puts a <style> element in each chart; the page's Content-Security-Policy refuses inline
 * styles, so it is taken out before the chart joins the document (styles.css has its rules).
 */
export function withoutInlineStyle<T extends Element>(chart: T): T {
  for (const style of chart.querySelectorAll("style")) style.remove();
  return chart;
}

/**
 * The metric names a PromQL expression reads. PromQL has no maintained parser on npm that this
 * project uses, and these queries need only its lexical rules: strings, label matchers, ranges
 * and grouping clauses hold no metric name; an identifier followed by "(" is a function or an
 * aggregation; keywords are not names. Everything else that looks like a name is one.
 */
const KEYWORDS = new Set([
  "and",
  "or",
  "unless",
  "bool",
  "offset",
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "inf",
  "nan",
]);

export function metricNames(expr: string): Set<string> {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  const names = new Set<string>();
  for (const match of bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*|\d[\w.]*/g)) {
    const token = match[0];
    if (/^\d/.test(token) || KEYWORDS.has(token.toLowerCase())) continue;
    const rest = bare.slice(match.index + token.length);
    if (/^\s*\(/.test(rest)) continue;
    names.add(token);
  }
  return names;
}

/** The family a series belongs to: a histogram's _bucket, _sum and _count are its base name. */
export function family(name: string, histograms: ReadonlySet<string>): string {
  const base = name.replace(/_(bucket|sum|count)$/, "");
  return base !== name && histograms.has(base) ? base : name;
}

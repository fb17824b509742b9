/**
 * Issue 15's performance targets, as ratios of figures measured in the same run, each printed as
 * PASS or MISS with its figure (or SKIP when a figure was not measured, e.g. with --no-peers).
 */

export interface TargetFigures {
  readonly ceiling1ReqS?: number;
  readonly ceiling100RowsS?: number;
  readonly predict1ReqS?: number;
  readonly predict100RowsS?: number;
  readonly predict1P99Ms?: number;
  readonly explain1ReqS?: number;
  /** /predict 1 lead measured interleaved with /explain; the explain ratio uses it when given. */
  readonly predictBesideExplain1ReqS?: number;
  readonly mlserver1ReqS?: number;
  readonly kserve1ReqS?: number;
}

interface Target {
  readonly label: string;
  /** The measured figure, undefined when one of its inputs was not measured. */
  readonly value: number | undefined;
  readonly met: (value: number) => boolean;
  readonly show: (value: number) => string;
  readonly goal: string;
}

const ratio = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined || b === 0 ? undefined : a / b;
/** One decimal, none when it is 0: 70 %, 49.9 %. */
const percent = (value: number) => `${Number((100 * value).toFixed(1))} %`;
const times = (value: number) => `${Number(value.toFixed(1))}×`;

const atLeast = (
  label: string,
  value: number | undefined,
  goal: number,
  show: (value: number) => string,
): Target => ({ label, value, met: (v) => v >= goal, show, goal: `≥ ${show(goal)}` });

export function targets(f: TargetFigures): Target[] {
  return [
    atLeast(
      "/predict 1 lead, req/s vs the POST-body ceiling",
      ratio(f.predict1ReqS, f.ceiling1ReqS),
      0.7,
      percent,
    ),
    atLeast(
      "/predict 100 leads, rows/s vs the POST-body ceiling",
      ratio(f.predict100RowsS, f.ceiling100RowsS),
      0.5,
      percent,
    ),
    atLeast(
      "/predict 1 lead vs Seldon MLServer, req/s",
      ratio(f.predict1ReqS, f.mlserver1ReqS),
      10,
      times,
    ),
    atLeast("/predict 1 lead vs KServe, req/s", ratio(f.predict1ReqS, f.kserve1ReqS), 10, times),
    atLeast(
      "/explain 1 lead (TreeSHAP) vs /predict 1 lead, req/s",
      ratio(f.explain1ReqS, f.predictBesideExplain1ReqS ?? f.predict1ReqS),
      0.5,
      percent,
    ),
    {
      label: "/predict 1 lead, p99",
      value: f.predict1P99Ms,
      met: (v) => v <= 3,
      show: (v) => `${v} ms`,
      goal: "≤ 3 ms",
    },
  ];
}

export function targetLines(f: TargetFigures): string[] {
  return targets(f).map(({ label, value, met, show, goal }) =>
    value === undefined || !Number.isFinite(value)
      ? `SKIP ${label}: not measured in this run (target ${goal})`
      : `${met(value) ? "PASS" : "MISS"} ${label}: ${show(value)} (target ${goal})`,
  );
}

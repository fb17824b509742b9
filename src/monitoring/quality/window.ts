/**
 * The job's time window [start, end): predictions scored in it are monitored, outcomes received
 * in it are joined to them. Its name (e.g. 20261124T000000Z--20261201T000000Z) names the reports.
 */
export interface TimeWindow {
  readonly start: Date;
  readonly end: Date;
}

const DAY_MS = 86_400_000;
const DURATION = /^(\d+)([hd])$/;

/**
 * `--since`: an RFC 3339 time, or a duration before `end` ("24h", "7d"). Throws RangeError with
 * the option's name when it is neither, or when the window would be empty or reversed.
 */
export function parseWindow(
  since: string | undefined,
  until: string | undefined,
  now: Date,
): TimeWindow {
  const end = until === undefined ? now : parseTime(until, "--until");
  let start: Date;
  const duration = since === undefined ? undefined : DURATION.exec(since);
  if (since === undefined) start = new Date(end.getTime() - 7 * DAY_MS);
  else if (duration !== null && duration !== undefined) {
    const unit = duration[2] === "d" ? DAY_MS : DAY_MS / 24;
    start = new Date(end.getTime() - Number(duration[1]) * unit);
  } else start = parseTime(since, "--since");
  if (!(start.getTime() < end.getTime())) {
    throw new RangeError(
      `the window is empty: --since ${start.toISOString()} is not before --until ${end.toISOString()}`,
    );
  }
  return { start, end };
}

/** RFC 3339 with a time zone (Z or ±hh:mm), as the log writes times. */
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/i;

function parseTime(text: string, option: string): Date {
  const time = new Date(text);
  if (!RFC3339.test(text) || Number.isNaN(time.getTime())) {
    throw new RangeError(
      `${option} must be an RFC 3339 time (2026-11-24T00:00:00Z) or, for --since, a duration like 24h or 7d; got "${text}"`,
    );
  }
  return time;
}

/** "20261124T000000Z--20261201T000000Z" (seconds; the reports' file names). */
export function windowName(window: TimeWindow): string {
  const stamp = (date: Date) => date.toISOString().replace(/[-:]/g, "").replace(/\.\d+/, "");
  return `${stamp(window.start)}--${stamp(window.end)}`;
}

/** The UTC dates (YYYY-MM-DD) the window touches: the log's date= partitions to list. */
export function windowDates(window: TimeWindow): string[] {
  const dates: string[] = [];
  const last = new Date(window.end.getTime() - 1).toISOString().slice(0, 10);
  for (let day = Date.parse(window.start.toISOString().slice(0, 10)); ; day += DAY_MS) {
    const date = new Date(day).toISOString().slice(0, 10);
    dates.push(date);
    if (date >= last) return dates;
  }
}

export function inWindow(window: TimeWindow, time: number): boolean {
  return time >= window.start.getTime() && time < window.end.getTime();
}

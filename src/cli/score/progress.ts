import { performance } from "node:perf_hooks";
import cliProgress from "cli-progress";

/** Where a run is: rows of the shard read so far, and bytes of the input read. */
export interface RunCounts {
  readonly read: number;
  readonly scored: number;
  readonly failed: number;
  readonly bytesRead: number;
}

export interface ProgressReporter {
  update(counts: RunCounts): void;
  /** The run ended: `complete` when every row was scored and written, else it failed. */
  stop(counts: RunCounts, complete: boolean): void;
}

/** How often a log line is written when stderr is not a terminal (a Job's pod, a pipe). */
const LOG_INTERVAL_MS = 10_000;

/**
 * A progress bar with rate and ETA on a terminal (cli-progress); elsewhere one structured JSON
 * line (Cloud Logging's severity/message) every 10 s and one at the end. The ETA follows the
 * bytes read, the only total known before the end of a stream.
 */
export function progressReporter(
  totalBytes: number,
  stderr: NodeJS.WriteStream = process.stderr,
): ProgressReporter {
  const started = performance.now();
  const rate = (rows: number) => Math.round(rows / Math.max(1e-3, elapsedSeconds(started)));
  if (stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format:
          "{bar} {percentage}% | {read} rows | {rate} rows/s | {failed} errors | ETA {eta_formatted}",
        stream: stderr,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(Math.max(1, totalBytes), 0, { read: 0, rate: 0, failed: 0 });
    const payload = (counts: RunCounts) => ({ ...counts, rate: rate(counts.read) });
    return {
      update: (counts) => bar.update(counts.bytesRead, payload(counts)),
      stop: (counts) => {
        bar.update(counts.bytesRead, payload(counts));
        bar.stop();
      },
    };
  }
  let lastLog = started;
  const log = (message: string, counts: RunCounts) => {
    const rowsPerSecond = rate(counts.read);
    const bytesPerSecond = counts.bytesRead / Math.max(1e-3, elapsedSeconds(started));
    const etaSeconds =
      bytesPerSecond > 0 ? Math.round((totalBytes - counts.bytesRead) / bytesPerSecond) : null;
    const line = { severity: "INFO", message, ...counts, totalBytes, rowsPerSecond, etaSeconds };
    stderr.write(`${JSON.stringify(line)}\n`);
  };
  return {
    update: (counts) => {
      const now = performance.now();
      if (now - lastLog < LOG_INTERVAL_MS) return;
      lastLog = now;
      log("scoring", counts);
    },
    stop: (counts, complete) => log(complete ? "scored" : "stopped", counts),
  };
}

function elapsedSeconds(since: number): number {
  return (performance.now() - since) / 1000;
}

import { pino, type Logger } from "pino";
import { loggerOptions } from "../../src/logging.js";

/** A log line as Cloud Logging would receive it (see src/logging.ts). */
export type LogLine = Record<string, unknown> & { severity: string; message: string };

/** A pino logger configured like the service's, whose lines are kept in memory. */
export function captureLog(): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const log = pino(loggerOptions("info"), {
    write: (line: string) => lines.push(JSON.parse(line) as LogLine),
  });
  return { log, lines };
}

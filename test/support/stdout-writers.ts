/**
 * A child process for test/stdout-log.test.ts: the service logger and the prediction log's stdout
 * sink both write long lines to fd 1 at once, as a busy pod does when requests and prediction-log
 * flushes overlap. Argument: how many lines each writer sends.
 */
import { createLogger } from "../../src/logging.js";
import { StdoutSink } from "../../src/monitoring/prediction-log/sinks/stdout.js";
import type { LogRecord } from "../../src/monitoring/prediction-log/record.js";

const count = Number(process.argv[2] ?? "50");
// Longer than sonic-boom's 16 KiB maxWrite, so that one line needs several writes to the pipe.
const padding = "x".repeat(40_000);
const log = createLogger("info");
const sink = new StdoutSink();

const record = (i: number): LogRecord =>
  ({
    kind: "outcome",
    time: new Date(0).toISOString(),
    lead_id: `lead-${i}-${padding}`,
    converted: true,
  }) as unknown as LogRecord;

const flushes: Promise<void>[] = [];
for (let i = 0; i < count; i++) {
  log.info({ padding, i }, "request completed");
  flushes.push(
    sink.write({ records: [record(i), record(i)] } as Parameters<StdoutSink["write"]>[0]),
  );
}
await Promise.all(flushes);

/**
 * A child process for test/stdout-log.test.ts: the service logger and the prediction log's stdout
 * sink both write long lines to fd 1 at once, as a busy pod does when requests and prediction-log
 * flushes overlap. Argument: how many lines each writer sends.
 */
import { createLogger } from "../../src/logging.js";
import { StdoutSink } from "../../src/monitoring/prediction-log/sinks/stdout.js";
import type { OutcomeRecord } from "../../src/monitoring/prediction-log/record.js";

const count = Number(process.argv[2] ?? "50");
// Longer than sonic-boom's 16 KiB maxWrite, so that one line needs several writes to the pipe.
const padding = "x".repeat(40_000);
const log = createLogger("info");
const sink = new StdoutSink();

const record = (i: number): OutcomeRecord => ({
  kind: "outcome",
  time: new Date(0).toISOString(),
  request_id: null,
  lead_id: `lead-${i}-${padding}`,
  converted: true,
  observed_at: new Date(0).toISOString(),
  model_version: null,
});

const flushes: Promise<void>[] = [];
for (let i = 0; i < count; i++) {
  log.info({ padding, i }, "request completed");
  flushes.push(sink.write({ seq: i, createdAt: new Date(0), records: [record(i), record(i)] }));
}
await Promise.all(flushes);

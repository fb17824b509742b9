import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { progressReporter } from "../../src/cli/score/progress.js";

/** Enough of a stderr for the reporter: what it writes, and whether it is a terminal. */
function fakeStderr(isTTY: boolean) {
  const written: string[] = [];
  const stream = {
    isTTY,
    columns: 120,
    write: (text: string) => void written.push(text),
    // What cli-progress calls on a terminal to redraw its line.
    cursorTo: () => true,
    clearLine: () => true,
    moveCursor: () => true,
    on: () => stream,
    removeListener: () => stream,
  };
  return { stream: stream as unknown as NodeJS.WriteStream, written };
}

const DONE = { read: 1500, scored: 1490, failed: 10, bytesRead: 4000 };

describe("lead-scoring score progress", () => {
  it("without a terminal: structured JSON lines, a last one with the counts", () => {
    const { stream, written } = fakeStderr(false);
    const progress = progressReporter(4000, stream);
    progress.update({ read: 500, scored: 500, failed: 0, bytesRead: 1000 }); // within 10 s: quiet
    progress.stop(DONE, true);
    assert.equal(written.length, 1);
    const line = JSON.parse(written[0]!) as Record<string, unknown>;
    assert.equal(line.severity, "INFO");
    assert.equal(line.message, "scored");
    assert.deepEqual(
      [line.read, line.scored, line.failed, line.bytesRead, line.totalBytes, line.etaSeconds],
      [1500, 1490, 10, 4000, 4000, 0],
    );
    assert.ok(typeof line.rowsPerSecond === "number" && line.rowsPerSecond > 0);
  });

  it("says a run that failed stopped rather than scored", () => {
    const { stream, written } = fakeStderr(false);
    progressReporter(4000, stream).stop({ ...DONE, bytesRead: 1000 }, false);
    const line = JSON.parse(written[0]!) as Record<string, unknown>;
    assert.equal(line.message, "stopped");
    assert.equal(line.bytesRead, 1000);
  });

  it("on a terminal: a bar with the rows, their rate, the errors and an ETA", () => {
    const { stream, written } = fakeStderr(true);
    const progress = progressReporter(4000, stream);
    progress.update({ read: 500, scored: 500, failed: 0, bytesRead: 1000 });
    progress.stop(DONE, true);
    const screen = written.join("");
    assert.match(screen, /100% \| 1500 rows \| \d+ rows\/s \| 10 errors \| ETA \d+s/);
    assert.doesNotMatch(screen, /"severity"/);
  });
});

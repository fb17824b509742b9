import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseWindow, windowDates, windowName } from "../../../src/monitoring/quality/window.js";

const NOW = new Date("2026-12-01T12:30:00Z");

describe("monitoring job window", () => {
  it("defaults to the 7 days before now and takes durations before --until", () => {
    assert.equal(
      parseWindow(undefined, undefined, NOW).start.toISOString(),
      "2026-11-24T12:30:00.000Z",
    );
    const day = parseWindow("24h", "2026-12-01T00:00:00Z", NOW);
    assert.equal(day.start.toISOString(), "2026-11-30T00:00:00.000Z");
    assert.equal(day.end.toISOString(), "2026-12-01T00:00:00.000Z");
    assert.equal(parseWindow("2d", undefined, NOW).start.toISOString(), "2026-11-29T12:30:00.000Z");
    assert.equal(
      parseWindow("2026-11-30T01:00:00+01:00", undefined, NOW).start.toISOString(),
      "2026-11-30T00:00:00.000Z",
    );
  });

  it("refuses times without a zone, other words, and empty or reversed windows", () => {
    for (const [since, until] of [
      ["2026-11-30", undefined],
      ["2026-11-30T00:00:00", undefined],
      ["last week", undefined],
      ["0h", undefined],
      ["2026-12-01T00:00:00Z", "2026-11-30T00:00:00Z"],
    ] as const) {
      assert.throws(() => parseWindow(since, until, NOW), RangeError, `${since} ${until}`);
    }
  });

  it("names the reports by window and lists the dates it touches, end exclusive", () => {
    const window = parseWindow("2026-11-29T23:00:00Z", "2026-12-01T00:00:00Z", NOW);
    assert.equal(windowName(window), "20261129T230000Z--20261201T000000Z");
    assert.deepEqual(windowDates(window), ["2026-11-29", "2026-11-30"]);
    const oneMinute = parseWindow("2026-12-01T00:00:00Z", "2026-12-01T00:01:00Z", NOW);
    assert.deepEqual(windowDates(oneMinute), ["2026-12-01"]);
  });
});

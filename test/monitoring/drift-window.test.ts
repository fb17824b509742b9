import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SlidingCounts } from "../../src/monitoring/drift/window.js";

/** Pushes one instance counting slot `slot` in column 0. */
function add(window: SlidingCounts, now: number, slot: number): void {
  window.count(window.push(now), 0, slot);
}

describe("SlidingCounts", () => {
  it("keeps the last `capacity` instances: the oldest is evicted exactly", () => {
    const window = new SlidingCounts(3, 1, 4, 60_000);
    for (const slot of [0, 0, 1, 2, 2, 2]) add(window, 0, slot);
    // The two oldest (slots 0, 0) are gone: 1, 2, 2, 2 remain.
    assert.equal(window.size, 4);
    assert.deepEqual([...window.counts], [0, 1, 3]);
    for (let i = 0; i < 10; i++) add(window, 0, 0);
    assert.deepEqual([...window.counts], [4, 0, 0]);
  });

  it("drops instances older than maxAgeMs (injected times)", () => {
    const window = new SlidingCounts(2, 1, 100, 1000);
    add(window, 0, 0);
    add(window, 500, 1);
    add(window, 900, 1);
    window.expire(1000);
    assert.deepEqual([...window.counts], [1, 2]); // age 1000 is still in
    window.expire(1001);
    assert.deepEqual([...window.counts], [0, 2]);
    window.expire(1901);
    assert.equal(window.size, 0);
    assert.deepEqual([...window.counts], [0, 0]);
    add(window, 2000, 0);
    assert.deepEqual([...window.counts], [1, 0]);
  });

  it("evicts only the columns an instance counted in", () => {
    const window = new SlidingCounts(4, 2, 2, 60_000);
    const row = window.push(0);
    window.count(row, 1, 3); // a preprocessed row: score only
    add(window, 0, 0);
    add(window, 0, 1);
    assert.deepEqual([...window.counts], [1, 1, 0, 0]);
  });
});

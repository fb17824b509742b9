import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  DEFAULT_RETRY_POLICY,
  backoffMs,
  parseRetryAfter,
} from "../../clients/typescript/src/retry.js";

describe("TypeScript client: retry policy", () => {
  it("reads Retry-After as delay-seconds or an HTTP date, and nothing else", () => {
    const now = Date.parse("2026-12-01T10:00:00Z");
    assert.equal(parseRetryAfter("3", now), 3);
    assert.equal(parseRetryAfter(" 0 ", now), 0);
    assert.equal(parseRetryAfter("Tue, 01 Dec 2026 10:00:05 GMT", now), 5);
    // Part of a second still to wait is a whole second: never earlier than asked.
    assert.equal(parseRetryAfter("Tue, 01 Dec 2026 10:00:05 GMT", now + 500), 5);
    assert.equal(parseRetryAfter("Tue, 01 Dec 2026 09:59:00 GMT", now), 0, "a past date");
    assert.equal(parseRetryAfter(null, now), undefined);
    assert.equal(parseRetryAfter("-1", now), undefined);
    assert.equal(parseRetryAfter("soon", now), undefined);
  });

  it("backs off exponentially with full jitter, capped", () => {
    const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1_000 };
    const highest = () => 0.999_999;
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5].map((retry) => backoffMs(retry, policy, highest)),
      [99, 199, 399, 799, 999, 999],
    );
    assert.equal(
      backoffMs(3, policy, () => 0),
      0,
      "jitter reaches down to no wait",
    );
  });
});

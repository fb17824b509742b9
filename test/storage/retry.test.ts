import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setImmediate as nextMacrotask } from "node:timers/promises";
import {
  AttemptTimedOut,
  retryWithinBudget,
  type FailedAttempt,
  type RetryHooks,
  type RetryPolicy,
} from "../../src/storage/retry.js";

const POLICY: RetryPolicy = {
  maxRetries: 3,
  budgetMs: 5_000,
  attemptTimeoutMs: 5_000,
  initialDelayMs: 10,
  maxDelayMs: 40,
  multiplier: 2,
};

class Transient extends Error {}

/** Hooks that retry Transient only and remember every retried attempt. */
function recording(): RetryHooks & { retried: FailedAttempt[] } {
  const retried: FailedAttempt[] = [];
  return {
    retried,
    isRetryable: (error) => error instanceof Transient || error instanceof AttemptTimedOut,
    onRetry: (failed) => retried.push(failed),
  };
}

/** Runs a call that always fails with Transient under `policy`: how it ended, what it retried. */
async function alwaysFailing(policy: RetryPolicy) {
  const hooks = recording();
  const outcome = await retryWithinBudget(
    () => Promise.reject(new Transient("down")),
    policy,
    hooks,
  );
  assert.ok(!outcome.ok, "a call that always fails cannot succeed");
  return { ...outcome, retried: hooks.retried };
}

describe("retryWithinBudget", () => {
  it("returns the first success and reports each retried failure", async () => {
    const hooks = recording();
    let calls = 0;
    const outcome = await retryWithinBudget(
      () => (++calls <= 2 ? Promise.reject(new Transient("flaky")) : Promise.resolve("done")),
      POLICY,
      hooks,
    );
    assert.deepEqual(outcome, { ok: true, value: "done" });
    assert.deepEqual(
      hooks.retried.map((failed) => failed.attempt),
      [1, 2],
    );
  });

  it("backs off exponentially with jitter between half and all of each step", async () => {
    const outcome = await alwaysFailing(POLICY);
    assert.equal(outcome.reason, "max-retries");
    assert.equal(outcome.attempts, 4);
    // Ceilings 10, 20, 40 ms (initialDelayMs × 2^(n-1), capped at maxDelayMs).
    const ceilings = [10, 20, 40];
    outcome.retried.forEach((failed, i) => {
      const ceiling = ceilings[i]!;
      assert.ok(failed.delayMs >= ceiling / 2 && failed.delayMs <= ceiling, `${failed.delayMs}`);
    });
    const remaining = outcome.retried.map((failed) => failed.remainingMs);
    assert.ok(
      remaining.every((ms, i) => i === 0 || ms < remaining[i - 1]!),
      `the budget left shrinks: ${remaining.join(", ")}`,
    );
  });

  it("does not retry what isRetryable refuses", async () => {
    const hooks = recording();
    const permanent = new Error("forbidden");
    const outcome = await retryWithinBudget(() => Promise.reject(permanent), POLICY, hooks);
    assert.ok(!outcome.ok);
    assert.equal(outcome.error, permanent);
    assert.equal(outcome.reason, "not-retryable");
    assert.equal(outcome.attempts, 1);
    assert.deepEqual(hooks.retried, []);
  });

  it("gives up at once when less is left than the shortest back-off", async () => {
    const outcome = await alwaysFailing({
      ...POLICY,
      budgetMs: 300,
      initialDelayMs: 10_000,
      maxDelayMs: 10_000,
    });
    assert.equal(outcome.reason, "budget");
    assert.equal(outcome.attempts, 1);
    assert.ok(outcome.elapsedMs < 300, `no sleep into the deadline (${outcome.elapsedMs} ms)`);
    assert.deepEqual(outcome.retried, []);
  });

  it("sleeps at most half of what is left and uses the budget", async () => {
    const outcome = await alwaysFailing({
      ...POLICY,
      maxRetries: 100,
      budgetMs: 1_000,
      initialDelayMs: 400,
      maxDelayMs: 100_000,
      multiplier: 4,
    });
    assert.equal(outcome.reason, "budget");
    // It stops once less than the shortest back-off (200 ms) is left, not sooner.
    assert.ok(outcome.elapsedMs > 800, `used the budget (${outcome.elapsedMs} ms)`);
    assert.ok(outcome.elapsedMs < 1_000 + 3_000, `ended near the budget (${outcome.elapsedMs} ms)`);
    assert.ok(outcome.retried.length >= 3, `${outcome.retried.length} retries`);
    for (const failed of outcome.retried) {
      assert.ok(
        failed.delayMs <= failed.remainingMs / 2,
        `${failed.delayMs} of ${failed.remainingMs}`,
      );
    }
    assert.equal(outcome.attempts, outcome.retried.length + 1);
  });

  it("cuts an attempt to what is left of the budget", async () => {
    const policy = { ...POLICY, budgetMs: 200, attemptTimeoutMs: 60_000 };
    const outcome = await retryWithinBudget(() => new Promise(() => {}), policy, recording());
    assert.ok(!outcome.ok);
    assert.ok(outcome.error instanceof AttemptTimedOut);
    // The budget left when the attempt started, not the 60 s request timeout.
    assert.ok(outcome.error.timeoutMs > 150 && outcome.error.timeoutMs <= 200);
    assert.equal(outcome.reason, "budget");
    assert.ok(outcome.elapsedMs < 200 + 3_000, `ended near the budget (${outcome.elapsedMs} ms)`);
  });

  it("aborts an abandoned attempt and ignores its late result", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      let rejectLate: ((error: Error) => void) | undefined;
      let signalSeen: AbortSignal | undefined;
      const outcome = await retryWithinBudget(
        (signal) => {
          signalSeen = signal;
          return new Promise<never>((_, reject) => (rejectLate = reject));
        },
        { ...POLICY, maxRetries: 0, attemptTimeoutMs: 20 },
        recording(),
      );
      assert.ok(!outcome.ok && outcome.error instanceof AttemptTimedOut);
      assert.equal(signalSeen?.aborted, true);
      assert.ok(signalSeen.reason instanceof AttemptTimedOut);
      rejectLate?.(new Error("the abandoned request failed after all"));
      // Node reports an unhandled rejection once the microtasks of the current macrotask ran.
      await nextMacrotask();
      await nextMacrotask();
      assert.deepEqual(unhandled, []);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});

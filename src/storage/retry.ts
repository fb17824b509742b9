import { setTimeout as sleep } from "node:timers/promises";

/** How retryWithinBudget retries one call. */
export interface RetryPolicy {
  /** Retries after the first attempt. */
  readonly maxRetries: number;
  /** All attempts and sleeps of the call. */
  readonly budgetMs: number;
  /** One attempt; cut to what is left of the budget. */
  readonly attemptTimeoutMs: number;
  /**
   * Retry n waits between half and all of min(maxDelayMs, initialDelayMs × multiplier^(n-1)),
   * but never more than half of the budget left.
   */
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly multiplier: number;
}

/** An attempt that failed and will be retried after `delayMs`. */
export interface FailedAttempt {
  readonly attempt: number;
  readonly error: unknown;
  readonly delayMs: number;
  /** Budget left when the attempt failed, before the sleep. */
  readonly remainingMs: number;
}

export interface RetryHooks {
  isRetryable(error: unknown): boolean;
  onRetry(failed: FailedAttempt): void;
}

/**
 * Why retrying stopped: the last error was not retryable, maxRetries was reached, or less of the
 * budget was left than the shortest back-off.
 */
export type GiveUpReason = "not-retryable" | "max-retries" | "budget";

export type RetryOutcome<T> =
  | { readonly ok: true; readonly value: T }
  | {
      readonly ok: false;
      readonly error: unknown;
      readonly reason: GiveUpReason;
      readonly attempts: number;
      readonly elapsedMs: number;
    };

/** The failure of an attempt that outlived its timeout; its signal is aborted, its result ignored. */
export class AttemptTimedOut extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no answer within ${seconds(timeoutMs)}s`);
    this.name = "AttemptTimedOut";
  }
}

/**
 * Runs `operation` until it succeeds or retrying stops, telling `hooks.onRetry` about each failed
 * attempt that will be retried. The budget bounds the whole call: an attempt gets at most what is
 * left, and a back-off never sleeps more than half of what is left, so that the retry after it
 * still has the other half (sleeping up to the deadline would leave an attempt no time at all,
 * and giving up instead would waste the rest of the budget, often half of it). Retrying stops
 * when less is left than the shortest back-off, or after maxRetries. So the call ends within the
 * budget, plus the time to notice a timer, and not much before it unless maxRetries runs out.
 *
 * Hand-written because no retry library fits this contract: p-retry (8+, which tells
 * onFailedAttempt the delay it is about to sleep; 9 checked) sleeps to the deadline when a delay
 * outlasts maxRetryTime and still starts one more attempt, whose duration nothing bounds. cockatiel reports the delay, but fitting
 * it to this contract means three policies per call (a backoff clipped to the deadline, a timeout
 * per attempt, a predicate watching the clock) built around closures: more code than this loop.
 */
export async function retryWithinBudget<T>(
  operation: (signal: AbortSignal) => Promise<T>,
  policy: RetryPolicy,
  hooks: RetryHooks,
): Promise<RetryOutcome<T>> {
  const startedAt = performance.now();
  const deadline = startedAt + policy.budgetMs;
  const shortestDelayMs = Math.min(policy.initialDelayMs, policy.maxDelayMs) / 2;
  for (let attempt = 1; ; attempt++) {
    const timeoutMs = Math.min(policy.attemptTimeoutMs, deadline - performance.now());
    try {
      return { ok: true, value: await withTimeout(operation, timeoutMs) };
    } catch (error) {
      const remainingMs = deadline - performance.now();
      const delayMs = Math.min(backoffMs(attempt, policy), remainingMs / 2);
      const failed: FailedAttempt = { attempt, error, delayMs, remainingMs };
      const reason = giveUpReason(failed, policy, hooks, shortestDelayMs);
      if (reason !== undefined) {
        const elapsedMs = performance.now() - startedAt;
        return { ok: false, error, reason, attempts: attempt, elapsedMs };
      }
      hooks.onRetry(failed);
      await sleep(failed.delayMs);
    }
  }
}

function giveUpReason(
  failed: FailedAttempt,
  policy: RetryPolicy,
  hooks: RetryHooks,
  shortestDelayMs: number,
): GiveUpReason | undefined {
  if (!hooks.isRetryable(failed.error)) return "not-retryable";
  if (failed.attempt > policy.maxRetries) return "max-retries";
  // Halving what is left would otherwise go on for ever, in ever shorter sleeps.
  if (failed.remainingMs < shortestDelayMs) return "budget";
  return undefined;
}

/** Seconds for messages: two significant digits below 10 s ("2.3", "0.025"), else one decimal. */
export function seconds(ms: number): string {
  const value = ms / 1000;
  return String(Number(value < 10 ? value.toPrecision(2) : value.toFixed(1)));
}

/** Exponential back-off with "equal jitter": replicas that failed together do not retry together. */
function backoffMs(retry: number, policy: RetryPolicy): number {
  const ceiling = Math.min(
    policy.maxDelayMs,
    policy.initialDelayMs * policy.multiplier ** (retry - 1),
  );
  return ceiling / 2 + (Math.random() * ceiling) / 2;
}

async function withTimeout<T>(
  operation: (signal: AbortSignal) => Promise<T>,
  timeoutMs: number,
): Promise<T> {
  const abandon = new AbortController();
  const attempt = Promise.resolve(abandon.signal).then(operation);
  // An abandoned attempt may still settle (not every client call can be aborted); its value or
  // error is dropped on purpose and never reported as an unhandled rejection.
  attempt.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => {
        const error = new AttemptTimedOut(timeoutMs);
        abandon.abort(error);
        reject(error);
      },
      Math.max(0, timeoutMs),
    );
  });
  try {
    return await Promise.race([attempt, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

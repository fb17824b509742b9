/** What the candidate did over a guardrail window. */
export interface CandidateSummary {
  /** Scorings (canary requests and shadow batches), failed ones included. */
  readonly scorings: number;
  readonly failures: number;
  /** p99 of the successful scorings' latency, seconds; undefined without any. */
  readonly p99Seconds: number | undefined;
  /** Shadow rows compared, and those decided differently from production. */
  readonly compared: number;
  readonly disagreeing: number;
}

/**
 * The candidate's last `capacity` scorings with their time, in typed arrays allocated once.
 * A guardrail looks at those younger than its window; with more traffic than `capacity` per
 * window, at the last `capacity` (documented in docs/rollouts.md).
 */
export class CandidateWindow {
  private readonly at: Float64Array;
  private readonly seconds: Float32Array;
  private readonly failed: Uint8Array;
  private readonly compared: Uint32Array;
  private readonly disagreeing: Uint32Array;
  private next = 0;
  private size = 0;

  constructor(
    readonly capacity: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.at = new Float64Array(capacity);
    this.seconds = new Float32Array(capacity);
    this.failed = new Uint8Array(capacity);
    this.compared = new Uint32Array(capacity);
    this.disagreeing = new Uint32Array(capacity);
  }

  succeeded(seconds: number, compared = 0, disagreeing = 0): void {
    this.push(seconds, 0, compared, disagreeing);
  }

  failedOnce(): void {
    this.push(0, 1, 0, 0);
  }

  /** The scorings of the last `windowSeconds`. */
  summary(windowSeconds: number): CandidateSummary {
    const since = this.now() - windowSeconds * 1000;
    const latencies: number[] = [];
    let scorings = 0;
    let failures = 0;
    let compared = 0;
    let disagreeing = 0;
    for (let i = 0; i < this.size; i++) {
      if (this.at[i]! < since) continue;
      scorings++;
      if (this.failed[i] === 1) failures++;
      else latencies.push(this.seconds[i]!);
      compared += this.compared[i]!;
      disagreeing += this.disagreeing[i]!;
    }
    latencies.sort((a, b) => a - b);
    const p99Seconds =
      latencies.length === 0
        ? undefined
        : latencies[Math.min(latencies.length - 1, Math.ceil(0.99 * latencies.length) - 1)];
    return { scorings, failures, p99Seconds, compared, disagreeing };
  }

  private push(seconds: number, failed: number, compared: number, disagreeing: number): void {
    const i = this.next;
    this.at[i] = this.now();
    this.seconds[i] = seconds;
    this.failed[i] = failed;
    this.compared[i] = compared;
    this.disagreeing[i] = disagreeing;
    this.next = (i + 1) % this.capacity;
    this.size = Math.min(this.size + 1, this.capacity);
  }
}

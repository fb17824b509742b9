import { spearman } from "./rank-correlation.js";

/** How production and candidate compare over the rows of a window. */
export interface ShadowComparison {
  readonly rows: number;
  readonly meanAbsDiff: number;
  readonly p99AbsDiff: number;
  /** NaN while either side is constant. */
  readonly spearman: number;
  /** Share of rows both versions decide alike at the decision threshold. */
  readonly agreement: number;
}

/**
 * The last `capacity` rows one pair of versions both scored (production, candidate), in a ring
 * of typed arrays allocated once: adding a row on the shadow path allocates nothing, and the
 * statistics are computed only when asked (a scrape, a guardrail check).
 */
export class ShadowWindow {
  private readonly production: Float32Array;
  private readonly candidate: Float32Array;
  private readonly agree: Uint8Array;
  private next = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    this.production = new Float32Array(capacity);
    this.candidate = new Float32Array(capacity);
    this.agree = new Uint8Array(capacity);
  }

  /**
   * Adds each row's pair of scores; `threshold` decides a row's label for agreement. Returns
   * how many rows the two versions decide differently.
   */
  add(production: Float32Array, candidate: Float32Array, threshold: number): number {
    const rows = Math.min(production.length, candidate.length);
    let disagreeing = 0;
    for (let row = 0; row < rows; row++) {
      const p = production[row]!;
      const c = candidate[row]!;
      this.production[this.next] = p;
      this.candidate[this.next] = c;
      const agrees = p >= threshold === c >= threshold;
      if (!agrees) disagreeing++;
      this.agree[this.next] = agrees ? 1 : 0;
      this.next = (this.next + 1) % this.capacity;
      this.size = Math.min(this.size + 1, this.capacity);
    }
    return disagreeing;
  }

  compare(): ShadowComparison | undefined {
    const n = this.size;
    if (n === 0) return undefined;
    const production = this.production.subarray(0, n);
    const candidate = this.candidate.subarray(0, n);
    const diffs = new Float64Array(n);
    let sum = 0;
    let agreeing = 0;
    for (let i = 0; i < n; i++) {
      diffs[i] = Math.abs(production[i]! - candidate[i]!);
      sum += diffs[i]!;
      agreeing += this.agree[i]!;
    }
    diffs.sort();
    return {
      rows: n,
      meanAbsDiff: sum / n,
      // Nearest rank: the smallest difference at least 99 % of rows do not exceed.
      p99AbsDiff: diffs[Math.min(n - 1, Math.ceil(0.99 * n) - 1)]!,
      spearman: spearman(production, candidate),
      agreement: agreeing / n,
    };
  }
}

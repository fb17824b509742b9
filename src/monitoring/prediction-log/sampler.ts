/**
 * Decides which scored instances become records: each one independently with probability
 * `rate` (0 = none, 1 = all). `random` is injectable so tests can seed it.
 */
export class Sampler {
  constructor(
    readonly rate: number,
    private readonly random: () => number = Math.random,
  ) {
    if (!(rate >= 0 && rate <= 1)) throw new RangeError(`sample rate ${rate} is not within 0..1`);
  }

  /** The rows of `count` instances that are sampled, in order. */
  rows(count: number): number[] {
    if (this.rate <= 0) return [];
    const rows: number[] = [];
    for (let row = 0; row < count; row++) {
      if (this.rate >= 1 || this.random() < this.rate) rows.push(row);
    }
    return rows;
  }
}

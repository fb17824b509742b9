/**
 * Counts per slot over a sliding window of the last `capacity` instances that are at most
 * `maxAgeMs` old. A ring remembers, per instance, its time and the slot each of its columns
 * (fields, score) counted in, so evicting an instance decrements exactly what it added: the
 * counts are exact by count and by age, the cost per instance is O(columns), and nothing is
 * allocated after construction.
 */
export class SlidingCounts {
  /** Count per slot of the instances in the window. */
  readonly counts: Int32Array;
  private readonly slots: Int32Array;
  private readonly times: Float64Array;
  /** Ring index of the oldest instance. */
  private tail = 0;
  private length = 0;

  constructor(
    width: number,
    private readonly columns: number,
    readonly capacity: number,
    readonly maxAgeMs: number,
  ) {
    if (!(capacity >= 1 && Number.isInteger(capacity))) throw new RangeError("capacity < 1");
    this.counts = new Int32Array(width);
    this.slots = new Int32Array(capacity * columns).fill(-1);
    this.times = new Float64Array(capacity);
  }

  /** Instances in the window (call expire first to apply the age limit). */
  get size(): number {
    return this.length;
  }

  /**
   * Starts one instance at time `now`, evicting the oldest if the window is full; returns its
   * row, for `count`. Columns it does not count (e.g. fields of a preprocessed V2 row) stay empty.
   */
  push(now: number): number {
    if (this.length === this.capacity) this.evictOldest();
    const row = (this.tail + this.length) % this.capacity;
    this.length++;
    this.times[row] = now;
    return row;
  }

  /** Counts the instance at `row` in absolute `slot` for `column`. */
  count(row: number, column: number, slot: number): void {
    this.slots[row * this.columns + column] = slot;
    this.counts[slot]!++;
  }

  /** Drops the instances older than maxAgeMs at `now`. */
  expire(now: number): void {
    const oldest = now - this.maxAgeMs;
    while (this.length > 0 && this.times[this.tail]! < oldest) this.evictOldest();
  }

  private evictOldest(): void {
    const base = this.tail * this.columns;
    for (let column = 0; column < this.columns; column++) {
      const slot = this.slots[base + column]!;
      if (slot >= 0) {
        this.counts[slot]!--;
        this.slots[base + column] = -1;
      }
    }
    this.tail = (this.tail + 1) % this.capacity;
    this.length--;
  }
}

/** What ByteKeys.get answers for text that is none of its keys. */
export const NOT_A_KEY = -0x7fffffff;

/**
 * A map from strings to integers looked up by their UTF-8 bytes in place: a CSV cell finds its
 * category without becoming a string. Open addressing on FNV-1a, built once per model; a Map
 * cannot serve here, as its keys would have to be strings made per cell.
 */
export class ByteKeys {
  private readonly slots: Int32Array;
  private readonly mask: number;
  private readonly keys: Uint8Array;
  private readonly keyStart: Int32Array;
  private readonly keyEnd: Int32Array;
  private readonly values: Int32Array;

  constructor(entries: ReadonlyMap<string, number>) {
    const encoded = [...entries.keys()].map((key) => Buffer.from(key, "utf8"));
    this.keys = Buffer.concat(encoded);
    this.keyStart = new Int32Array(encoded.length);
    this.keyEnd = new Int32Array(encoded.length);
    this.values = Int32Array.from(entries.values());
    // At most a quarter full: a miss (an unseen category) ends at an empty slot in ~1 probe.
    let size = 8;
    while (size < encoded.length * 4) size *= 2;
    this.slots = new Int32Array(size);
    this.mask = size - 1;
    let at = 0;
    encoded.forEach((key, i) => {
      this.keyStart[i] = at;
      at += key.length;
      this.keyEnd[i] = at;
      let slot = hash(this.keys, this.keyStart[i], at) & this.mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & this.mask;
      this.slots[slot] = i + 1;
    });
  }

  /** The value of the key whose bytes are `bytes[start .. end)`, or NOT_A_KEY. */
  get(bytes: Uint8Array, start: number, end: number): number {
    const { slots, mask, keys, keyStart, keyEnd } = this;
    const length = end - start;
    for (let slot = hash(bytes, start, end) & mask; ; slot = (slot + 1) & mask) {
      const entry = slots[slot]! - 1;
      if (entry < 0) return NOT_A_KEY;
      const from = keyStart[entry]!;
      if (keyEnd[entry]! - from !== length) continue;
      let i = 0;
      while (i < length && keys[from + i] === bytes[start + i]) i++;
      if (i === length) return this.values[entry]!;
    }
  }
}

function hash(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h;
}

import { UsageError } from "../registry-command.js";

/** One of `count` disjoint parts of the input: the rows whose index modulo count is `index`. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** The whole input as one shard. */
export const WHOLE: Shard = { index: 0, count: 1 };

/** `--shard i/n` (0 ≤ i < n), e.g. 3/10, as an Indexed Job's JOB_COMPLETION_INDEX gives it. */
export function parseShard(text: string): Shard {
  const match = /^(\d{1,9})\/(\d{1,9})$/.exec(text.trim());
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (match === null || count < 1 || index >= count) {
    throw new UsageError(`--shard must be i/n with 0 ≤ i < n (e.g. 0/4); got "${text}"`);
  }
  return { index, count };
}

/** Whether the row at 0-based `rowIndex` belongs to the shard: a fixed, input-order partition. */
export function inShard(shard: Shard, rowIndex: number): boolean {
  return rowIndex % shard.count === shard.index;
}

/**
 * The shard's own file name, so the shards of one job never collide and sort together:
 * `scores.jsonl` → `scores-00003-of-00010.jsonl`. The whole input keeps the name as given.
 */
export function shardFileName(name: string, shard: Shard): string {
  if (shard.count === 1) return name;
  const dot = name.lastIndexOf(".");
  const [stem, extension] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ""];
  const width = Math.max(5, String(shard.count - 1).length);
  const pad = (n: number) => String(n).padStart(width, "0");
  return `${stem}-${pad(shard.index)}-of-${pad(shard.count)}${extension}`;
}

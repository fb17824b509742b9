import { readFileSync } from "node:fs";
import type { TreeLayout } from "./tree-layout.js";

/** The kernel's export (src/model/tree-walk.wat); features, trees and out are byte offsets. */
type MarginsKernel = (
  features: number,
  rows: number,
  rowBytes: number,
  trees: number,
  treeCount: number,
  base: number,
  out: number,
) => void;

const PAGE_BYTES = 65_536;

/**
 * Compiled once per process, on first use: `npm run build` copies the .wasm beside this file in
 * dist/, and tsx runs it from src/.
 */
let kernelModule: WebAssembly.Module | undefined;
function treeWalkModule(): WebAssembly.Module {
  kernelModule ??= new WebAssembly.Module(readFileSync(new URL("tree-walk.wasm", import.meta.url)));
  return kernelModule;
}

/**
 * One model's trees in their own WebAssembly memory: the records at byte 0, then, per call, the
 * rows copied in and the margins written after them. The memory grows to the largest batch it
 * is given and stays that size. One memory per scorer is safe for concurrent callers because
 * margins() is synchronous: a call copies in, walks and copies out before any other can start.
 */
export class TreeWalk {
  private readonly memory: WebAssembly.Memory;
  private readonly kernel: MarginsKernel;
  private readonly featuresAt: number;
  private readonly rowBytes: number;
  private floats: Float32Array;

  constructor(
    private readonly layout: TreeLayout,
    private readonly width: number,
    private readonly baseMargin: number,
  ) {
    const instance = new WebAssembly.Instance(treeWalkModule(), {});
    this.memory = instance.exports["memory"] as WebAssembly.Memory;
    this.kernel = instance.exports["margins"] as MarginsKernel;
    this.rowBytes = width * 4;
    // The rows start after the records, on a 16-byte boundary (float32 loads need only 4).
    this.featuresAt = Math.ceil(layout.bytes.length / 16) * 16;
    this.ensureCapacity(0);
    new Uint8Array(this.memory.buffer).set(layout.bytes);
    this.floats = new Float32Array(this.memory.buffer);
  }

  /** XGBoost's margins of `rows` row-major rows of `width` float32 features. */
  margins(features: Float32Array, rows: number): Float32Array {
    const outAt = this.featuresAt + rows * this.rowBytes;
    this.ensureCapacity(rows);
    this.floats.set(features.subarray(0, rows * this.width), this.featuresAt / 4);
    const { treesAt, treeCount } = this.layout;
    this.kernel(this.featuresAt, rows, this.rowBytes, treesAt, treeCount, this.baseMargin, outAt);
    return this.floats.slice(outAt / 4, outAt / 4 + rows);
  }

  /** Grows the memory for a batch of `rows`; growing detaches the old view, so it is remade. */
  private ensureCapacity(rows: number): void {
    const needed = this.featuresAt + rows * (this.rowBytes + 4);
    const have = this.memory.buffer.byteLength;
    if (needed <= have) return;
    this.memory.grow(Math.ceil((needed - have) / PAGE_BYTES));
    this.floats = new Float32Array(this.memory.buffer);
  }
}

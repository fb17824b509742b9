/**
 * The part of the WebAssembly JS API that tree-walk.ts uses. Node has it as a global, but
 * @types/node does not declare it (TypeScript has it only in lib.dom, which the service does not
 * load).
 */
declare namespace WebAssembly {
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Instance {
    constructor(module: Module, imports: Record<string, never>);
    readonly exports: Record<string, unknown>;
  }
  class Memory {
    readonly buffer: ArrayBuffer;
    /** Adds `pages` pages of 64 KiB; returns the previous size in pages. */
    grow(pages: number): number;
  }
}

// The host side of TreeSHAP's WebAssembly kernel (tree-shap-kernel.as.ts): copies an explainer's prepared
// arrays and the forest's routing arrays into one instance's memory, then runs the kernel per row.
import { readFileSync } from 'node:fs';
import type { Forest } from './forest.js';

/** The explainer's prepared arrays the kernel reads (see TreeShapExplainer for each one's meaning). */
export interface PreparedTreeShap {
  treeSlot: Int32Array;
  treeInternal: Int32Array;
  treeOrder: Int32Array;
  internalSlots: Int32Array;
  slotPrevSame: Int32Array;
  slotNode: Int32Array;
  slotRightChild: Int32Array;
  slotZ: Float64Array;
  slotFraction: Float64Array;
  slotScale: Float64Array;
  /** The largest tree's slot count: the scratch arrays' size. */
  maxTreeSlots: number;
  /** 1 + the highest feature index any node splits on: how much of x the kernel reads. */
  features: number;
  /** The four-node rule: nodes u, weights w and −w/(1 − u). */
  rule: { nodes: number[]; weights: number[]; failed: number[] };
}

// The few WebAssembly declarations used here (the compiler's libraries for Node 20 have none).
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
type WasmModule = object;
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: object };
};

interface KernelExports {
  memory: WasmMemory;
  setLayout(at: number): void;
  accumulate(from: number, to: number): void;
}

const KERNEL_URL = new URL('./tree-shap-kernel.wasm', import.meta.url);
let compiled: WasmModule | null | undefined;

/** The compiled kernel, or null where the build did not make it (scripts/build-wasm.js). */
function kernelModule(): WasmModule | null {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(readFileSync(KERNEL_URL));
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/**
 * One instance of the kernel holding one explainer's arrays. `accumulate` adds the contributions of every
 * tree with the four-node rule into out; the others are the caller's.
 */
export class TreeShapWasm {
  private readonly kernel: KernelExports;
  private readonly x: Float64Array;
  private readonly out: Float64Array;
  private readonly leaves: Float64Array;

  private constructor(module: WasmModule, prepared: PreparedTreeShap, private readonly forest: Forest) {
    this.kernel = new WebAssembly.Instance(module, {}).exports as unknown as KernelExports;
    const features = Math.max(1, prepared.features);
    const copied: Array<Int32Array | Uint32Array | Uint8Array | Float64Array> = [
      prepared.treeSlot,
      prepared.treeInternal,
      prepared.treeOrder,
      prepared.internalSlots,
      prepared.slotPrevSame,
      prepared.slotNode,
      prepared.slotRightChild,
      prepared.slotZ,
      prepared.slotFraction,
      prepared.slotScale,
      forest.feature,
      forest.threshold,
      forest.flags,
      forest.missingRight,
      forest.catStart,
      forest.catWords,
      forest.catLevels,
    ];
    // scratch: val (4 lanes per slot), follows, goRight, then x and out (one value per feature) and the leaf
    // value x reaches in each tree
    const scratch = [prepared.maxTreeSlots * 32, prepared.maxTreeSlots, prepared.maxTreeSlots, features * 8, features * 8, Math.max(1, forest.numTrees) * 8];
    const OFFSETS = copied.length + scratch.length;
    const RULE_AT = 96; // after the 23 offsets, 16-byte aligned
    const LAYOUT_BYTES = RULE_AT + 12 * 8;
    const offsets: number[] = [];
    let end = LAYOUT_BYTES;
    for (const bytes of [...copied.map((a) => a.byteLength), ...scratch]) {
      end = (end + 15) & ~15; // vector loads are fastest aligned
      offsets.push(end);
      end += bytes;
    }
    const memory = this.kernel.memory;
    memory.grow(Math.ceil(end / 65536) - memory.buffer.byteLength / 65536);
    const bytes = new Uint8Array(memory.buffer);
    copied.forEach((a, i) => bytes.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), offsets[i]!));
    new Uint32Array(memory.buffer, 0, OFFSETS).set(offsets);
    const { nodes, weights, failed } = prepared.rule;
    new Float64Array(memory.buffer, RULE_AT, 12).set([...nodes, ...weights, ...failed]);
    this.kernel.setLayout(0);
    this.x = new Float64Array(memory.buffer, offsets[copied.length + 3]!, features);
    this.out = new Float64Array(memory.buffer, offsets[copied.length + 4]!, features);
    this.leaves = new Float64Array(memory.buffer, offsets[copied.length + 5]!, Math.max(1, forest.numTrees));
  }

  /** An instance for these arrays, or null where the kernel is not built. */
  static create(prepared: PreparedTreeShap, forest: Forest): TreeShapWasm | null {
    const module = kernelModule();
    return module ? new TreeShapWasm(module, prepared, forest) : null;
  }

  /**
   * Adds the four-node-rule trees' contributions for row x into out and sets leaves[t] for each of them to
   * the value of the leaf x reaches. Every entry of `leaves` is written: those of the trees the kernel skips
   * (single leaves, other rules) hold scratch, for the caller to set.
   */
  accumulate(x: ArrayLike<number>, out: Float64Array, leaves?: Float64Array): void {
    const n = this.x.length;
    for (let f = 0; f < n; f++) this.x[f] = x[f]!;
    this.out.fill(0);
    this.kernel.accumulate(0, this.forest.numTrees);
    for (let f = 0; f < n; f++) out[f] += this.out[f]!;
    if (leaves) leaves.set(this.leaves.subarray(0, this.forest.numTrees));
  }

  /** Bytes of linear memory the instance holds. */
  get byteLength(): number {
    return this.kernel.memory.buffer.byteLength;
  }
}

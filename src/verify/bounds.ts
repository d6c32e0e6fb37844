// Default bounds of an exploration, so that no platform can run `verify`/`matrix` out of time
// or memory (TLC stops at its worker's heap the same way, and says so): a state bound per
// explored part and a heap budget. Hitting either makes unviolated verdicts `inconclusive`,
// with a hint naming the flag — never a V8 out-of-memory abort.

// node:v8 through process.getBuiltinModule (Node ≥ 20.16) rather than an import: the browser
// explorer bundles the verifier too, and there the memory bound is off (heapUsed() is 0).
interface HeapStatistics {
  readonly used_heap_size: number;
  readonly heap_size_limit: number;
}
type ProcessLike = { getBuiltinModule?: (id: string) => unknown };
const v8 = (globalThis as { process?: ProcessLike }).process?.getBuiltinModule?.('node:v8') as
  | { getHeapStatistics(): HeapStatistics }
  | undefined;
const getHeapStatistics = (): HeapStatistics => v8?.getHeapStatistics() ?? { used_heap_size: 0, heap_size_limit: 4096 * 1024 * 1024 };

/** States per explored part (a cluster of devices, or the whole platform with --no-reduce).
 * Every bundled scenario needs under 2,000; a 13-device platform in one IOMMU group needs
 * millions. About 5 s of one core at the model's current rate. */
export const DEFAULT_MAX_STATES = 20_000;

const MiB = 1024 * 1024;

/** Default heap budget in MiB: three quarters of this isolate's heap limit (headroom for
 * the work between two checks), at most 2 GiB. */
export function defaultMaxMemoryMiB(): number {
  return Math.max(64, Math.min(2048, Math.floor((getHeapStatistics().heap_size_limit * 0.75) / MiB)));
}

/** Heap in use by this isolate (worker threads have their own). */
export function heapUsed(): number {
  return getHeapStatistics().used_heap_size;
}

/** How often (in newly discovered states) the heap is looked at. */
export const HEAP_CHECK_EVERY = 2048;

export type BoundHit = 'states' | 'depth' | 'memory';

/** The `why` of an inconclusive verdict. */
export function boundWhy(hit: BoundHit, b: { maxStates?: number; maxDepth?: number; maxMemoryMiB?: number }): string {
  switch (hit) {
    case 'states':
      return `exploration stopped at the state bound (--max-states ${b.maxStates ?? DEFAULT_MAX_STATES} per explored part) before covering every state; raise --max-states to explore further`;
    case 'depth':
      return `exploration stopped at the --max-depth ${b.maxDepth ?? '?'} bound before covering every state`;
    case 'memory':
      return `exploration stopped at the memory bound (--max-memory ${b.maxMemoryMiB ?? defaultMaxMemoryMiB()} MB of heap) before covering every state; raise --max-memory (and node's --max-old-space-size) or lower --max-states`;
  }
}

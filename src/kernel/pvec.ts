// A persistent vector: plain nested arrays with structural sharing, so that replacing one
// device's (or one group's) state costs O(8 · log8 N) instead of copying all N entries.
// This keeps `step` O(log N) per event on 100,000-function platforms (bench/model-bench.ts)
// while the state stays plain immutable data (ARCHITECTURE.md "State is plain, immutable data").

const BITS = 3;
const WIDTH = 1 << BITS;

/** Leaves at depth 0 hold values; inner nodes hold child arrays. */
export interface PVec<T> {
  readonly size: number;
  readonly depth: number;
  readonly root: readonly unknown[];
}

function depthFor(n: number): number {
  let d = 0;
  let cap = WIDTH;
  while (cap < n) {
    cap *= WIDTH;
    d++;
  }
  return d;
}

function build<T>(lo: number, n: number, depth: number, f: (i: number) => T): unknown[] {
  if (depth === 0) {
    const out: T[] = [];
    for (let i = lo; i < Math.min(n, lo + WIDTH); i++) out.push(f(i));
    return out;
  }
  const span = WIDTH ** depth;
  const out: unknown[] = [];
  for (let c = lo; c < Math.min(n, lo + span * WIDTH); c += span) out.push(build(c, n, depth - 1, f));
  return out;
}

export function pvecFrom<T>(n: number, f: (i: number) => T): PVec<T> {
  const depth = depthFor(n);
  return { size: n, depth, root: build(0, n, depth, f) };
}

export function pvecGet<T>(v: PVec<T>, i: number): T {
  if (i < 0 || i >= v.size) throw new Error(`IMPOSSIBLE: pvec index ${i} out of range ${v.size}`);
  let node: readonly unknown[] = v.root;
  for (let d = v.depth; d > 0; d--) node = node[(i >>> (d * BITS)) & (WIDTH - 1)] as readonly unknown[];
  return node[i & (WIDTH - 1)] as T;
}

export function pvecSet<T>(v: PVec<T>, i: number, x: T): PVec<T> {
  if (pvecGet(v, i) === x) return v;
  const root = v.root.slice();
  writePath(root, v.depth, i, x, null);
  return { size: v.size, depth: v.depth, root };
}

/** Below the (already copied) `root`, copy the path to `i` — every node not in `fresh`, the
 * nodes this batch already copied — and store `x` at its end. A loop, not a closure per call. */
function writePath(root: unknown[], depth: number, i: number, x: unknown, fresh: Set<unknown> | null): void {
  let node = root;
  for (let d = depth; d > 0; d--) {
    const slot = (i >>> (d * BITS)) & (WIDTH - 1);
    let child = node[slot] as unknown[];
    if (fresh === null || !fresh.has(child)) {
      child = child.slice();
      node[slot] = child;
      fresh?.add(child);
    }
    node = child;
  }
  node[i & (WIDTH - 1)] = x;
}

/** `v` with every (index, value) of `writes` set — the same vector as pvecSet applied once per
 * entry (v itself when no value changes), but each node on the touched paths is copied once. */
export function pvecSetAll<T>(v: PVec<T>, writes: ReadonlyMap<number, T>): PVec<T> {
  let root: unknown[] | null = null;
  const fresh = writes.size > 1 ? new Set<unknown>() : null;
  writes.forEach((x, i) => {
    if (pvecGet(v, i) === x) return;
    if (root === null) root = v.root.slice();
    writePath(root, v.depth, i, x, fresh);
  });
  return root === null ? v : { size: v.size, depth: v.depth, root };
}

/** All values in index order (O(N); for observe and key only). */
export function pvecToArray<T>(v: PVec<T>): T[] {
  const out: T[] = [];
  const walk = (node: readonly unknown[], d: number): void => {
    if (d === 0) for (const x of node) out.push(x as T);
    else for (const c of node) walk(c as readonly unknown[], d - 1);
  };
  walk(v.root, v.depth);
  return out;
}

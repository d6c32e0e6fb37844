// Breadth-first exploration of every event interleaving a transition system allows, in the
// manner of xstate's getAdjacencyMap/getShortestPaths and TLC's BFS: states deduplicated
// by a canonical key, parent pointers so the first time something is seen it is seen at
// its shortest depth. Knows nothing dmagate-specific.

import { HEAP_CHECK_EVERY, heapUsed, type BoundHit } from './bounds.js';
import { patchedHash, TupleSet } from '../util/tuple-set.js';

export interface TransitionSystem<S, E, R extends { readonly state: S }> {
  readonly init: S;
  enabled(s: S): readonly E[];
  step(s: S, e: E): R;
  key(s: S): string;
}

export interface ExploreBounds {
  /** Stop discovering new states beyond this many (the run is then incomplete). */
  readonly maxStates?: number;
  /** Do not expand states at this depth (the run is then incomplete if any had successors). */
  readonly maxDepth?: number;
  /** Stop altogether once the heap in use passes this many bytes (looked at every
   * HEAP_CHECK_EVERY new states; ./bounds.ts). */
  readonly maxHeapBytes?: number;
}

export interface ExploreVisitor<S, E, R> {
  /** A newly discovered state (the initial one included), with its id and depth. */
  onState?(s: S, id: number, depth: number): void;
  /** Every transition, including ones back to known states. */
  onTransition?(from: S, fromId: number, e: E, r: R, toId: number, isNew: boolean): void;
}

export interface ExploreStats {
  readonly states: number;
  readonly transitions: number;
  readonly depth: number;
  readonly ms: number;
  readonly boundHit: BoundHit | null;
}

export interface Exploration<E> {
  readonly stats: ExploreStats;
  /** Events from the initial state to state `id` (shortest). */
  pathTo(id: number): E[];
}

/** The BFS bookkeeping both explorers share: states in discovery order (a state's id is its
 * position), the queue of those not yet expanded, and each state's parent, event and depth,
 * so the path to any state is the shortest one. */
class BfsTree<S, E> {
  private queue: S[] = [];
  private head = 0;
  private offset = 0;
  private readonly parent: number[] = [];
  private readonly via: (E | undefined)[] = [];
  readonly depthOf: number[] = [];
  deepest = 0;

  /** Records state `s`, reached from `from` by `e` (the initial state: -1, undefined). */
  add(s: S, from: number, e: E | undefined): void {
    const d = from < 0 ? 0 : this.depthOf[from] + 1;
    this.parent.push(from);
    this.via.push(e);
    this.depthOf.push(d);
    if (d > this.deepest) this.deepest = d;
    this.queue.push(s);
  }

  /** The next state to expand, or undefined when none is left; its id is `current`. */
  current = -1;
  next(): S | undefined {
    if (this.head >= this.queue.length) return undefined;
    const s = this.queue[this.head];
    this.current = this.offset + this.head;
    this.head++;
    if (this.head > 4096 && this.head * 2 > this.queue.length) {
      // Drop processed states so memory follows the frontier, not the whole space.
      this.queue = this.queue.slice(this.head);
      this.offset += this.head;
      this.head = 0;
    }
    return s;
  }

  pathTo(id: number): E[] {
    const out: E[] = [];
    for (let i = id; i > 0; i = this.parent[i]) out.push(this.via[i] as E);
    return out.reverse();
  }
}

export function explore<S, E, R extends { readonly state: S }>(
  sys: TransitionSystem<S, E, R>,
  bounds: ExploreBounds = {},
  visit: ExploreVisitor<S, E, R> = {},
): Exploration<E> {
  const t0 = performance.now();
  const maxStates = bounds.maxStates ?? Number.POSITIVE_INFINITY;
  const maxDepth = bounds.maxDepth ?? Number.POSITIVE_INFINITY;
  const ids = new Map<string, number>();
  const tree = new BfsTree<S, E>();
  const maxHeap = bounds.maxHeapBytes ?? Number.POSITIVE_INFINITY;
  let boundHit: BoundHit | null = null;
  let transitions = 0;

  ids.set(sys.key(sys.init), 0);
  tree.add(sys.init, -1, undefined);
  visit.onState?.(sys.init, 0, 0);

  explore: for (let s = tree.next(); s !== undefined; s = tree.next()) {
    const id = tree.current;
    const d = tree.depthOf[id];
    const events = sys.enabled(s);
    if (d >= maxDepth) {
      if (events.length > 0) boundHit ??= 'depth';
      continue;
    }
    for (const e of events) {
      const r = sys.step(s, e);
      transitions++;
      const k = sys.key(r.state);
      let to = ids.get(k);
      let isNew = false;
      if (to === undefined) {
        // The one place a new state is counted against a bound (--max-states); further
        // budgets (memory, time) belong here too.
        if (ids.size >= maxStates) {
          boundHit = 'states';
          continue;
        }
        to = ids.size;
        ids.set(k, to);
        tree.add(r.state, id, e);
        isNew = true;
        visit.onState?.(r.state, to, d + 1);
        if (to % HEAP_CHECK_EVERY === 0 && heapUsed() > maxHeap) {
          boundHit = 'memory';
          break explore;
        }
      }
      visit.onTransition?.(s, id, e, r, to, isNew);
    }
  }
  return { stats: { states: ids.size, transitions, depth: tree.deepest, ms: performance.now() - t0, boundHit }, pathTo: (id) => tree.pathTo(id) };
}

// ---- packed exploration (docs/performance.md "Numeric keys") ----
// The same breadth-first search for a system whose states are fixed-width vectors of int
// codes (equal vectors ⇔ equal states, as equal `key`s) and whose steps are given as the
// positions they change: a successor's vector is its parent's with the move's codes written
// in, looked up in a TupleSet (open addressing over the vectors, no key text), and the
// successor state itself is built only when it is new. Ids, parents, depths, bounds and the
// order of visitor calls are explore()'s for the system whose key(s) is codes(s) as text:
// the loop below is explore()'s, line by line, with the Map of keys replaced.

/** A step's change to the code vector: code[k] is written at pos[k] (positions distinct). */
export interface PackedMove {
  readonly pos: Int32Array;
  readonly code: Int32Array;
}

export interface PackedSystem<S, E, M extends PackedMove> {
  readonly init: S;
  /** Length of every code vector. */
  readonly width: number;
  /** `codes` holds s's vector at 0 (valid during the call). */
  enabled(s: S, codes: Int32Array): readonly E[];
  /** s's codes into out[at .. at + width): equal vectors ⇔ equal states. */
  codes(s: S, out: Int32Array, at: number): void;
  /** The move `e` makes from `s`, whose codes are codes[at ..]. */
  move(s: S, e: E, codes: Int32Array, at: number): M;
  /** The state `m` leads to from `s`: its codes are s's with m written in. */
  apply(s: S, m: M): S;
}

export interface PackedVisitor<S, E, M> {
  /** As ExploreVisitor's; `codes` (valid during the call only) holds s's vector at 0; `fromId`
   * and `m`: the state and move s was first reached by (-1 and undefined for the initial one). */
  onState?(s: S, id: number, depth: number, codes: Int32Array, fromId: number, m: M | undefined): void;
  /** As ExploreVisitor's, with the move instead of the step result: the successor is
   * sys.apply(from, m) when wanted. `codes` (valid during the call) holds from's vector at 0. */
  onTransition?(from: S, fromId: number, e: E, m: M, toId: number, isNew: boolean, codes: Int32Array): void;
}

export function explorePacked<S, E, M extends PackedMove>(
  sys: PackedSystem<S, E, M>,
  bounds: ExploreBounds = {},
  visit: PackedVisitor<S, E, M> = {},
): Exploration<E> {
  const t0 = performance.now();
  const maxStates = bounds.maxStates ?? Number.POSITIVE_INFINITY;
  const maxDepth = bounds.maxDepth ?? Number.POSITIVE_INFINITY;
  const w = sys.width;
  const ids = new TupleSet(w);
  const tree = new BfsTree<S, E>();
  const maxHeap = bounds.maxHeapBytes ?? Number.POSITIVE_INFINITY;
  let boundHit: BoundHit | null = null;
  let transitions = 0;
  const cur = new Int32Array(Math.max(1, w)); // the expanded state's codes
  const next = new Int32Array(Math.max(1, w)); // a successor's

  sys.codes(sys.init, next, 0);
  ids.add(next, 0);
  tree.add(sys.init, -1, undefined);
  visit.onState?.(sys.init, 0, 0, next, -1, undefined);

  explore: for (let s = tree.next(); s !== undefined; s = tree.next()) {
    const id = tree.current;
    const d = tree.depthOf[id];
    const data = ids.data;
    for (let k = 0, at = id * w; k < w; k++) cur[k] = data[at + k];
    const curHash = ids.hashOf(id);
    const events = sys.enabled(s, cur);
    if (d >= maxDepth) {
      if (events.length > 0) boundHit ??= 'depth';
      continue;
    }
    for (const e of events) {
      const m = sys.move(s, e, cur, 0);
      transitions++;
      const pos = m.pos;
      let to: number;
      let h = 0;
      if (pos.length === 0) to = id; // nothing written: the state itself (its own vector)
      else {
        // The successor's vector is cur with the move written in: its hash is cur's updated
        // where the move writes, and the table compares candidates against cur and the move.
        h = patchedHash(curHash, cur, 0, pos, m.code);
        to = ids.findPatched(cur, 0, pos, m.code, h);
      }
      let isNew = false;
      if (to < 0) {
        if (ids.size >= maxStates) {
          boundHit = 'states';
          continue;
        }
        for (let k = 0; k < w; k++) next[k] = cur[k];
        for (let k = 0; k < pos.length; k++) next[pos[k]] = m.code[k];
        to = ids.addHashed(next, 0, h);
        const t = sys.apply(s, m);
        tree.add(t, id, e);
        isNew = true;
        visit.onState?.(t, to, d + 1, next, id, m);
        // The vectors live outside the JS heap: counted against the budget too.
        if (to % HEAP_CHECK_EVERY === 0 && heapUsed() + ids.bytes > maxHeap) {
          boundHit = 'memory';
          break explore;
        }
      }
      visit.onTransition?.(s, id, e, m, to, isNew, cur);
    }
  }
  return { stats: { states: ids.size, transitions, depth: tree.deepest, ms: performance.now() - t0, boundHit }, pathTo: (id) => tree.pathTo(id) };
}

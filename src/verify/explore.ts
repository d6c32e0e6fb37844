// Breadth-first exploration of every event interleaving a transition system allows, in the
// manner of xstate's getAdjacencyMap/getShortestPaths and TLC's BFS: states deduplicated
// by a canonical key, parent pointers so the first time something is seen it is seen at
// its shortest depth. Knows nothing dmagate-specific.

import { HEAP_CHECK_EVERY, heapUsed, type BoundHit } from './bounds.js';

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

export function explore<S, E, R extends { readonly state: S }>(
  sys: TransitionSystem<S, E, R>,
  bounds: ExploreBounds = {},
  visit: ExploreVisitor<S, E, R> = {},
): Exploration<E> {
  const t0 = performance.now();
  const maxStates = bounds.maxStates ?? Number.POSITIVE_INFINITY;
  const maxDepth = bounds.maxDepth ?? Number.POSITIVE_INFINITY;
  const ids = new Map<string, number>();
  const parent: number[] = [];
  const via: (E | undefined)[] = [];
  const depthOf: number[] = [];
  const maxHeap = bounds.maxHeapBytes ?? Number.POSITIVE_INFINITY;
  let boundHit: BoundHit | null = null;
  let transitions = 0;
  let deepest = 0;

  ids.set(sys.key(sys.init), 0);
  parent.push(-1);
  via.push(undefined);
  depthOf.push(0);
  visit.onState?.(sys.init, 0, 0);

  // The queue holds states in discovery order; a state's id is its position in the
  // (conceptually untrimmed) queue: offset + index.
  let queue: S[] = [sys.init];
  let head = 0;
  let offset = 0;
  explore: while (head < queue.length) {
    const s = queue[head];
    const id = offset + head;
    head++;
    if (head > 4096 && head * 2 > queue.length) {
      // Drop processed states so memory follows the frontier, not the whole space.
      queue = queue.slice(head);
      offset += head;
      head = 0;
    }
    const d = depthOf[id];
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
        parent.push(id);
        via.push(e);
        depthOf.push(d + 1);
        if (d + 1 > deepest) deepest = d + 1;
        queue.push(r.state);
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
  return {
    stats: { states: ids.size, transitions, depth: deepest, ms: performance.now() - t0, boundHit },
    pathTo(id: number): E[] {
      const out: E[] = [];
      for (let i = id; i > 0; i = parent[i]) out.push(via[i] as E);
      return out.reverse();
    },
  };
}

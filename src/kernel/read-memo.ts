// Outcomes of one pure computation over a KState, by the values at the state positions it
// read: the table behind the step/observe memo (session.ts) and the enabled-event cache
// (enabled.ts). A position is an index into the state's code vector (state.ts stateCodes:
// device i at i, group g at devices + g); a value is the interned code there (equal codes ⇔
// equal devKey/groupKey texts).
//
// Why a hit is the computation's own answer: the computation is deterministic and reads the
// state only through the logged accessors (tx.ts devAt/grpAt; enabled.ts's guard reader), so
// a state holding the same values at exactly the positions one earlier run read makes every
// read of a new run return what it returned then (by induction over the reads: control flow
// cannot diverge before the first read that differs, and there is none) — the same outcome.
// Runs that read different positions are kept apart ("signatures", one table each); a lookup
// tries each signature in turn, and any hit is, by the argument above, the answer.
import { TupleSet } from '../util/tuple-set.js';

interface Sig<T> {
  /** The positions read, in first-read order, each once. */
  readonly pos: Int32Array;
  /** The codes seen at `pos` (one tuple per remembered run), and each run's outcome by tuple id. */
  readonly keys: TupleSet;
  readonly outs: T[];
}

export class ReadMemo<T> {
  private readonly sigs: Sig<T>[] = [];
  /** Gathered codes of one lookup (a signature reads at most every position once). */
  private readonly scratch: Int32Array;

  constructor(width: number) {
    this.scratch = new Int32Array(Math.max(1, width));
  }

  /** An outcome remembered for a run whose read positions hold, in `codes` (a state's code
   * vector at `at`), the values they held then; undefined when none. */
  find(codes: Int32Array, at: number): T | undefined {
    const g = this.scratch;
    for (const sig of this.sigs) {
      const pos = sig.pos;
      for (let k = 0; k < pos.length; k++) g[k] = codes[at + pos[k]];
      const id = sig.keys.find(g, 0);
      if (id >= 0) return sig.outs[id];
    }
    return undefined;
  }

  /** Remembers `out` as the outcome of a run that read `reads` (positions, repeats allowed) of
   * the state whose code vector is codes[at ..]. */
  remember(reads: readonly number[], codes: Int32Array, at: number, out: T): void {
    const pos: number[] = [];
    for (const x of reads) if (!pos.includes(x)) pos.push(x);
    let sig = this.sigs.find((x) => x.pos.length === pos.length && pos.every((p, k) => x.pos[k] === p));
    if (sig === undefined) this.sigs.push((sig = { pos: Int32Array.from(pos), keys: new TupleSet(pos.length), outs: [] }));
    const g = this.scratch;
    for (let k = 0; k < pos.length; k++) g[k] = codes[at + pos[k]];
    const id = sig.keys.find(g, 0);
    sig.outs[id >= 0 ? id : sig.keys.add(g, 0)] = out;
  }

  /** Signatures and remembered runs (for the tests and docs/performance.md). */
  get size(): { sigs: number; runs: number } {
    let runs = 0;
    for (const s of this.sigs) runs += s.keys.size;
    return { sigs: this.sigs.length, runs };
  }
}

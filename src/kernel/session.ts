// A memoising front of `step` and `observe` for one exploration (one Platform, one Variant):
// the explorer's fast path (docs/performance.md "Step and observe memo"). Pure functions give
// the same answers for the same inputs; the inputs a step or an observation takes from the
// state are few — the device an event names, its group, its parent or PF, its VFs — so most
// (state, event) pairs an exploration meets repeat, in another state, a computation already
// done: in an unreduced product of independent clusters every event re-runs for each state of
// the other clusters.
//
// What a computation read is recorded, not guessed: the Tx logs every base-state read
// (tx.ts devAt/grpAt: each device or group index read before being written). A later state
// holding the same values at exactly those indices makes the very same computation (by
// induction over its reads: each returns what it returned the first time), so its outcome —
// the writes, the return value, the kernel trace; or the DeviceObs — is reused. Values are
// compared by their interned canonical codes (state.ts stateCodes: equal codes ⇔ equal
// devKey/groupKey texts, the same equality the explorer's state keys use), in ReadMemo tables
// (read-memo.ts) keyed by the codes at the read positions — numbers, no key text.
//
// The packed interface (PackedSession, for verify/explore.ts explorePacked) hands the explorer
// a step as a Move: the written positions of the state's code vector and their new codes,
// which the remembered outcome carries precomputed. The explorer finds the successor's id from
// them and builds the successor (`apply`: the writes into the persistent vectors, as `commit`
// does) only when it is new. `step` and `observe` are `apply(move)` and `observeAt` on the
// state's own codes: test/verify/fast-paths.test.ts holds them to kernelModel.step/observe.
import type { Platform } from './platform.js';
import { applyEvent } from './model.js';
import { observe, observeDevice } from './observe.js';
import { platIndex, type DevInfo } from './platform-index.js';
import { pvecSetAll } from './pvec.js';
import { ReadMemo } from './read-memo.js';
import { codesWidth, devCode, grpCode, initialState, stateCodes, type DevState, type GroupState, type KState } from './state.js';
import { commit, newTx, type Tx } from './tx.js';
import type { DeviceObs, KEvent, KReturn, Observation, StepResult, TraceEntry } from './types.js';
import type { Variant } from './variants.js';

export interface ModelSession<S> {
  step(s: S, e: KEvent): StepResult<S>;
  observe(s: S): Observation;
  readonly stats: SessionStats;
}

export interface SessionStats {
  stepRuns: number;
  stepReused: number;
  observeRuns: number;
  observeReused: number;
}

/** A step as the change it makes to the state's code vector (state.ts stateCodes): the
 * positions it writes and their new codes, with what the kernel returned and logged. */
export interface Move {
  readonly pos: Int32Array;
  readonly code: Int32Array;
  readonly ret: KReturn;
  readonly trace: readonly TraceEntry[];
}

/** The session as the packed explorer uses it (verify/explore.ts explorePacked): states as code
 * vectors, steps as Moves, the successor built only when the explorer needs it. For every s
 * and e: apply(s, move(s, e, c)) is step(s, e).state (the same writes), and stateCodes of it
 * is c with move's codes written at move's positions; observeAt(s, c) is observe(s) — where
 * c holds stateCodes(s). */
export interface PackedSession<S> extends ModelSession<S> {
  /** Length of a code vector: devices + groups. */
  readonly width: number;
  codes(s: S, out: Int32Array, at: number): void;
  move(s: S, e: KEvent, codes: Int32Array, at: number): Move;
  apply(s: S, m: Move): S;
  observeAt(s: S, codes: Int32Array, at: number): Observation;
  /** observeAt(s, codes, at), given `parent`, the observation of a state whose code vector is
   * s's except at the positions `pos` (s = apply(parent's state, a move writing `pos`). */
  observeFrom(s: S, codes: Int32Array, at: number, parent: Observation, pos: Int32Array): Observation;
}

interface StepOutcome extends Move {
  readonly devWrites: ReadonlyMap<number, DevState>;
  readonly grpWrites: ReadonlyMap<number, GroupState>;
}

/** The outcome of a step that ran in `tx`, its writes also as (position, code) pairs. */
function outcomeOf(tx: Tx, ret: KReturn, ndev: number): StepOutcome {
  const n = tx.devDirty.size + tx.grpDirty.size;
  const pos = new Int32Array(n);
  const code = new Int32Array(n);
  let k = 0;
  tx.devDirty.forEach((d, i) => {
    pos[k] = i;
    code[k++] = devCode(d);
  });
  tx.grpDirty.forEach((g, i) => {
    pos[k] = ndev + i;
    code[k++] = grpCode(g);
  });
  return { devWrites: tx.devDirty, grpWrites: tx.grpDirty, ret, trace: tx.trace, pos, code };
}

/** The base-state positions a recording Tx read: devices, then groups after the devices. */
function readsOf(tx: Tx, ndev: number): number[] {
  const out = tx.devReads === null ? [] : tx.devReads.slice();
  if (tx.grpReads !== null) for (const g of tx.grpReads) out.push(ndev + g);
  return out;
}

function recordingTx(p: Platform, v: Variant, s: KState): Tx {
  const tx = newTx(p, v, s);
  tx.devReads = [];
  tx.grpReads = [];
  return tx;
}

/** The event as a key: every field (an event kind with more parameters keys on them too). */
function eventKey(e: KEvent): string {
  const n = Object.keys(e).length;
  if (n === 2) return `${e.kind} ${e.dev}`;
  if (n === 3 && e.on !== undefined) return `${e.kind} ${e.dev} ${e.on ? 1 : 0}`;
  return JSON.stringify(Object.entries(e).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The plain model behind the same interface: used when the state has parts this memo does
 * not know how to replay (below). */
function plainSession(p: Platform, v: Variant): ModelSession<KState> {
  const stats: SessionStats = { stepRuns: 0, stepReused: 0, observeRuns: 0, observeReused: 0 };
  return {
    stats,
    step(s, e) {
      stats.stepRuns++;
      const tx = newTx(p, v, s);
      const ret = applyEvent(tx, e);
      return { state: commit(tx), trace: tx.trace, ret };
    },
    observe(s) {
      stats.observeRuns++;
      return observe(p, v, s);
    },
  };
}

/** The KState components an outcome replays (devWrites, grpWrites) and stateCodes encodes. A
 * state type grown by another component (a new per-port vector, say) turns the memo and the
 * packed interface off rather than dropping its writes: extend StepOutcome, stateCodes and
 * the Tx read log first. */
const KNOWN_PARTS = 'devs,groups';

export function kernelSession(p: Platform, v: Variant): ModelSession<KState> & Partial<PackedSession<KState>> {
  if (Object.keys(initialState(p)).join(',') !== KNOWN_PARTS) return plainSession(p, v);
  return packedSession(p, v);
}

function packedSession(p: Platform, v: Variant): PackedSession<KState> {
  const ix = platIndex(p);
  const ndev = ix.devs.length;
  const width = codesWidth(p);
  // Events from enabled.ts are frozen and shared, so most lookups go by identity; any other
  // event object by its text (eventKey).
  const byEvent = new Map<KEvent, ReadMemo<StepOutcome>>();
  const byKey = new Map<string, ReadMemo<StepOutcome>>();
  const obs: ReadMemo<DeviceObs>[] = ix.devs.map(() => new ReadMemo(width));
  const stats: SessionStats = { stepRuns: 0, stepReused: 0, observeRuns: 0, observeReused: 0 };
  const own = new Int32Array(Math.max(1, width)); // codes of a state given without them

  const memoOf = (e: KEvent): ReadMemo<StepOutcome> => {
    let m = byEvent.get(e);
    if (m !== undefined) return m;
    const ek = eventKey(e);
    m = byKey.get(ek);
    if (m === undefined) byKey.set(ek, (m = new ReadMemo(width)));
    if (Object.isFrozen(e)) byEvent.set(e, m);
    return m;
  };

  const move = (s: KState, e: KEvent, codes: Int32Array, at: number): StepOutcome => {
    const m = memoOf(e);
    const hit = m.find(codes, at);
    if (hit !== undefined) {
      stats.stepReused++;
      return hit;
    }
    stats.stepRuns++;
    const tx = recordingTx(p, v, s);
    const o = outcomeOf(tx, applyEvent(tx, e), ndev);
    m.remember(readsOf(tx, ndev), codes, at, o);
    return o;
  };

  const apply = (s: KState, m: Move): KState => {
    const o = m as StepOutcome;
    const devs = pvecSetAll(s.devs, o.devWrites);
    const groups = pvecSetAll(s.groups, o.grpWrites);
    return devs === s.devs && groups === s.groups ? s : { devs, groups };
  };

  // deps[j * width + x] = 1: some remembered observation of device j read position x (every
  // position any of its memo's signatures holds).
  const deps = new Uint8Array(ndev * width);
  const observeOne = (s: KState, codes: Int32Array, at: number, i: DevInfo): DeviceObs => {
    const m = obs[i.i];
    const d = m.find(codes, at);
    if (d !== undefined) {
      stats.observeReused++;
      return d;
    }
    stats.observeRuns++;
    const tx = recordingTx(p, v, s);
    const o = observeDevice(tx, i.name);
    const reads = readsOf(tx, ndev);
    for (const x of reads) deps[i.i * width + x] = 1;
    m.remember(reads, codes, at, o);
    return o;
  };
  const observeAt = (s: KState, codes: Int32Array, at: number): Observation => {
    const devices: Record<string, DeviceObs> = {};
    for (const i of ix.devs) devices[i.name] = observeOne(s, codes, at, i);
    return { devices };
  };
  // A device none of whose observations ever read a position the move wrote observes in s as
  // in the parent: its parent observation came from a run that read positions within deps
  // (remembered runs' positions are all in deps; deps only grows), and s holds the parent's
  // codes at all of them — so the run for s would read the same values and give the same
  // DeviceObs. The others are looked up as in observeAt. (A name given twice: the Record keeps
  // the last device of that name, as observeAt's does, and that device's own test decides.)
  const observeFrom = (s: KState, codes: Int32Array, at: number, parent: Observation, pos: Int32Array): Observation => {
    const devices: Record<string, DeviceObs> = {};
    for (const i of ix.devs) {
      let same = true;
      for (let k = 0; k < pos.length; k++) if (deps[i.i * width + pos[k]] === 1) same = false;
      const d = same ? parent.devices[i.name] : undefined;
      devices[i.name] = d ?? observeOne(s, codes, at, i);
    }
    return { devices };
  };

  return {
    stats,
    width,
    codes: stateCodes,
    move,
    apply,
    observeAt,
    observeFrom,
    step(s, e) {
      stateCodes(s, own, 0);
      const m = move(s, e, own, 0);
      return { state: apply(s, m), trace: m.trace, ret: m.ret };
    },
    observe(s) {
      stateCodes(s, own, 0);
      return observeAt(s, own, 0);
    },
  };
}

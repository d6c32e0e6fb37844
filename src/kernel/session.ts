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
// devKey/groupKey texts, the same equality the explorer's state keys use).
import type { Platform } from './platform.js';
import { applyEvent } from './model.js';
import { observe, observeDevice } from './observe.js';
import { platIndex } from './platform-index.js';
import { pvecGet, pvecSetAll } from './pvec.js';
import { devCode, grpCode, initialState, type DevState, type GroupState, type KState } from './state.js';
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

/** One set of read indices, and the outcomes seen for each combination of values there. */
interface Sig<T> {
  readonly devs: readonly number[];
  readonly grps: readonly number[];
  readonly table: Map<string, T>;
}

interface StepOutcome {
  readonly devWrites: ReadonlyMap<number, DevState>;
  readonly grpWrites: ReadonlyMap<number, GroupState>;
  readonly ret: KReturn;
  readonly trace: readonly TraceEntry[];
}

function unique(xs: readonly number[]): number[] {
  const out: number[] = [];
  for (const x of xs) if (!out.includes(x)) out.push(x);
  return out;
}

function valuesAt(s: KState, devs: readonly number[], grps: readonly number[]): string {
  let k = '';
  for (const i of devs) k += devCode(pvecGet(s.devs, i)) + ',';
  k += ';';
  for (const g of grps) k += grpCode(pvecGet(s.groups, g)) + ',';
  return k;
}

function find<T>(sigs: readonly Sig<T>[], s: KState): T | undefined {
  for (const sig of sigs) {
    const hit = sig.table.get(valuesAt(s, sig.devs, sig.grps));
    if (hit !== undefined) return hit;
  }
  return undefined;
}

function remember<T>(sigs: Sig<T>[], s: KState, tx: Tx, out: T): void {
  const devs = unique(tx.devReads ?? []);
  const grps = unique(tx.grpReads ?? []);
  let sig = sigs.find((x) => x.devs.length === devs.length && x.grps.length === grps.length && x.devs.every((d, i) => d === devs[i]) && x.grps.every((g, i) => g === grps[i]));
  if (sig === undefined) sigs.push((sig = { devs, grps, table: new Map() }));
  sig.table.set(valuesAt(s, devs, grps), out);
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

/** The KState components an outcome replays (devWrites, grpWrites). A state type grown by
 * another component (a new per-port vector, say) turns the memo off rather than dropping its
 * writes: extend StepOutcome, valuesAt and the Tx read log first. */
const KNOWN_PARTS = 'devs,groups';

export function kernelSession(p: Platform, v: Variant): ModelSession<KState> {
  if (Object.keys(initialState(p)).join(',') !== KNOWN_PARTS) return plainSession(p, v);
  const ix = platIndex(p);
  const steps = new Map<string, Sig<StepOutcome>[]>();
  const obs: Sig<DeviceObs>[][] = ix.devs.map(() => []);
  const stats: SessionStats = { stepRuns: 0, stepReused: 0, observeRuns: 0, observeReused: 0 };
  return {
    stats,
    step(s, e) {
      const ek = eventKey(e);
      let sigs = steps.get(ek);
      if (sigs === undefined) steps.set(ek, (sigs = []));
      let o = find(sigs, s);
      if (o !== undefined) stats.stepReused++;
      else {
        stats.stepRuns++;
        const tx = recordingTx(p, v, s);
        const ret = applyEvent(tx, e);
        o = { devWrites: tx.devDirty, grpWrites: tx.grpDirty, ret, trace: tx.trace };
        remember(sigs, s, tx, o);
      }
      const devs = pvecSetAll(s.devs, o.devWrites);
      const groups = pvecSetAll(s.groups, o.grpWrites);
      return { state: devs === s.devs && groups === s.groups ? s : { devs, groups }, trace: o.trace, ret: o.ret };
    },
    observe(s) {
      const devices: Record<string, DeviceObs> = {};
      for (const i of ix.devs) {
        const sigs = obs[i.i];
        let d = find(sigs, s);
        if (d !== undefined) stats.observeReused++;
        else {
          stats.observeRuns++;
          const tx = recordingTx(p, v, s);
          d = observeDevice(tx, i.name);
          remember(sigs, s, tx, d);
        }
        devices[i.name] = d;
      }
      return { devices };
    },
  };
}

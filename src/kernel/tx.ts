// The context one `step` threads through the kernel functions it models: the platform, the
// variant, the profile, and the state and trace being built. It lives only for one call of
// `step`, so `step` stays pure (no state survives it; ARCHITECTURE.md "a step is a pure function").
import type { Platform } from '../platform/types.js';
import { platIndex, type DevInfo, type GroupInfo, type PlatIndex } from './platform-index.js';
import { profileOf, type Profile } from './profiles.js';
import { pvecGet, pvecSet } from './pvec.js';
import type { DevState, GroupState, KState } from './state.js';
import type { Errno, KReturn, TraceEntry } from './types.js';
import type { Variant } from './variants.js';

export interface Tx {
  readonly p: Platform;
  readonly v: Variant;
  readonly ix: PlatIndex;
  readonly prof: Profile;
  /** The state the step started from; changes collect in the dirty maps until `commit`. */
  readonly base: KState;
  readonly devDirty: Map<number, DevState>;
  readonly grpDirty: Map<number, GroupState>;
  readonly trace: TraceEntry[];
}

export function newTx(p: Platform, v: Variant, s: KState): Tx {
  return { p, v, ix: platIndex(p), prof: profileOf(v), base: s, devDirty: new Map(), grpDirty: new Map(), trace: [] };
}

export const OK: KReturn = { ok: true };
export function fail(errno: Errno, why: string): KReturn {
  return { ok: false, errno, why };
}

export function info(tx: Tx, name: string): DevInfo {
  const d = tx.ix.byName.get(name);
  if (d === undefined) throw new Error(`IMPOSSIBLE: no device "${name}"`);
  return d;
}
export function ginfo(tx: Tx, name: string): GroupInfo {
  return tx.ix.groups[info(tx, name).group];
}
export function devAt(tx: Tx, i: number): DevState {
  return tx.devDirty.get(i) ?? pvecGet(tx.base.devs, i);
}
export function dev(tx: Tx, name: string): DevState {
  return devAt(tx, info(tx, name).i);
}
export function setDev(tx: Tx, name: string, patch: Partial<DevState>): void {
  const i = info(tx, name).i;
  tx.devDirty.set(i, { ...devAt(tx, i), ...patch });
}
export function grpAt(tx: Tx, g: number): GroupState {
  return tx.grpDirty.get(g) ?? pvecGet(tx.base.groups, g);
}
export function grp(tx: Tx, name: string): GroupState {
  return grpAt(tx, info(tx, name).group);
}
export function setGrp(tx: Tx, name: string, patch: Partial<GroupState>): void {
  const g = info(tx, name).group;
  tx.grpDirty.set(g, { ...grpAt(tx, g), ...patch });
}

/** The step's resulting state: the dirty entries written into the persistent vectors once
 * (unchanged entries keep sharing structure with the base state). */
export function commit(tx: Tx): KState {
  let devs = tx.base.devs;
  for (const [i, d] of tx.devDirty) devs = pvecSet(devs, i, d);
  let groups = tx.base.groups;
  for (const [g, x] of tx.grpDirty) groups = pvecSet(groups, g, x);
  return devs === tx.base.devs && groups === tx.base.groups ? tx.base : { devs, groups };
}
/** Present members of `name`'s group (itself included), in platform order. */
export function presentMembers(tx: Tx, name: string): string[] {
  return ginfo(tx, name)
    .members.map((m) => tx.ix.devs[m].name)
    .filter((n) => dev(tx, n).present);
}

/** One trace line: kernel function, device, rule id, what it did. */
export function log(tx: Tx, fn: string, name: string | undefined, rule: string, detail: string): void {
  tx.trace.push(name === undefined ? { fn, rule, detail } : { fn, dev: name, rule, detail });
}

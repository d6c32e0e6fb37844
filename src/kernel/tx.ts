// The context one `step` threads through the kernel functions it models: the platform, the
// variant, the profile, and the state and trace being built. It lives only for one call of
// `step`, so `step` stays pure (no state survives it; ARCHITECTURE.md "a step is a pure function").
import type { Platform } from './platform.js';
import { platIndex, type DevInfo, type GroupInfo, type PlatIndex } from './platform-index.js';
import { profileOf, type Profile } from './profiles.js';
import { pvecGet, pvecSetAll } from './pvec.js';
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
  /** The last name `info` resolved, and its DevInfo: a step asks about one device dozens of
   * times (a lookup cache within this Tx; the index itself is immutable). */
  lastName: string | undefined;
  lastInfo: DevInfo | undefined;
  /** When not null, every read of the base state (a device / group index not yet written in
   * this Tx) is appended here: the explorer's step and observe memo (session.ts) relies on
   * every state read going through devAt/grpAt — read `tx.base` nowhere else. */
  devReads: number[] | null;
  grpReads: number[] | null;
}

export function newTx(p: Platform, v: Variant, s: KState): Tx {
  return { p, v, ix: platIndex(p), prof: profileOf(v), base: s, devDirty: new Map(), grpDirty: new Map(), trace: [], lastName: undefined, lastInfo: undefined, devReads: null, grpReads: null };
}

export const OK: KReturn = { ok: true };
export function fail(errno: Errno, why: string): KReturn {
  return { ok: false, errno, why };
}

/** The DevInfo of `name`, or undefined when the platform has no such device. */
export function lookup(tx: Tx, name: string): DevInfo | undefined {
  if (name === tx.lastName && tx.lastInfo !== undefined) return tx.lastInfo;
  const d = tx.ix.byName.get(name);
  if (d !== undefined) {
    tx.lastName = name;
    tx.lastInfo = d;
  }
  return d;
}

export function info(tx: Tx, name: string): DevInfo {
  const d = lookup(tx, name);
  if (d === undefined) throw new Error(`IMPOSSIBLE: no device "${name}"`);
  return d;
}
export function ginfo(tx: Tx, name: string): GroupInfo {
  return tx.ix.groups[info(tx, name).group];
}
export function devAt(tx: Tx, i: number): DevState {
  const x = tx.devDirty.get(i);
  if (x !== undefined) return x;
  if (tx.devReads !== null) tx.devReads.push(i);
  return pvecGet(tx.base.devs, i);
}
export function dev(tx: Tx, name: string): DevState {
  return devAt(tx, info(tx, name).i);
}
export function setDev(tx: Tx, name: string, patch: Partial<DevState>): void {
  const i = info(tx, name).i;
  tx.devDirty.set(i, patchDev(devAt(tx, i), patch));
}

/** `{ ...d, ...p }` written out field by field, in DEV_ABSENT's key order (that of every
 * DevState): spreading patches of many shapes takes V8's generic copy, the step loop's
 * hottest line at 100,000 devices. A key present in `p` wins, even with value undefined. */
function patchDev(d: DevState, p: Partial<DevState>): DevState {
  return {
    present: 'present' in p ? (p.present as DevState['present']) : d.present,
    accepted: 'accepted' in p ? (p.accepted as DevState['accepted']) : d.accepted,
    optedIn: 'optedIn' in p ? (p.optedIn as DevState['optedIn']) : d.optedIn,
    drv: 'drv' in p ? (p.drv as DevState['drv']) : d.drv,
    vfioOpen: 'vfioOpen' in p ? (p.vfioOpen as DevState['vfioOpen']) : d.vfioOpen,
    vfioAttached: 'vfioAttached' in p ? (p.vfioAttached as DevState['vfioAttached']) : d.vfioAttached,
    dmaUser: 'dmaUser' in p ? (p.dmaUser as DevState['dmaUser']) : d.dmaUser,
    msi: 'msi' in p ? (p.msi as DevState['msi']) : d.msi,
    pasid: 'pasid' in p ? (p.pasid as DevState['pasid']) : d.pasid,
    probeErr: 'probeErr' in p ? (p.probeErr as DevState['probeErr']) : d.probeErr,
    pci: 'pci' in p ? (p.pci as DevState['pci']) : d.pci,
    mmu: 'mmu' in p ? (p.mmu as DevState['mmu']) : d.mmu,
  };
}
export function grpAt(tx: Tx, g: number): GroupState {
  const x = tx.grpDirty.get(g);
  if (x !== undefined) return x;
  if (tx.grpReads !== null) tx.grpReads.push(g);
  return pvecGet(tx.base.groups, g);
}
export function grp(tx: Tx, name: string): GroupState {
  return grpAt(tx, info(tx, name).group);
}
export function setGrp(tx: Tx, name: string, patch: Partial<GroupState>): void {
  const g = info(tx, name).group;
  const o = grpAt(tx, g);
  // `{ ...o, ...patch }` written out, in GROUP_EMPTY's key order (as patchDev)
  tx.grpDirty.set(g, {
    domain: 'domain' in patch ? (patch.domain as GroupState['domain']) : o.domain,
    defaultDomain: 'defaultDomain' in patch ? (patch.defaultDomain as GroupState['defaultDomain']) : o.defaultDomain,
    ownerCnt: 'ownerCnt' in patch ? (patch.ownerCnt as GroupState['ownerCnt']) : o.ownerCnt,
    owner: 'owner' in patch ? (patch.owner as GroupState['owner']) : o.owner,
  });
}

/** The step's resulting state: the dirty entries written into the persistent vectors once
 * (unchanged entries keep sharing structure with the base state). */
export function commit(tx: Tx): KState {
  const devs = pvecSetAll(tx.base.devs, tx.devDirty);
  const groups = pvecSetAll(tx.base.groups, tx.grpDirty);
  return devs === tx.base.devs && groups === tx.base.groups ? tx.base : { devs, groups };
}
/** Present members of `name`'s group (itself included), in platform order. */
export function presentMembers(tx: Tx, name: string): string[] {
  const out: string[] = [];
  for (const m of ginfo(tx, name).members) {
    const n = tx.ix.devs[m].name;
    if (dev(tx, n).present) out.push(n);
  }
  return out;
}

/** One trace line: kernel function, device, rule id, what it did. */
export function log(tx: Tx, fn: string, name: string | undefined, rule: string, detail: string): void {
  tx.trace.push(name === undefined ? { fn, rule, detail } : { fn, dev: name, rule, detail });
}

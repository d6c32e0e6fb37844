// World-level preconditions of events (types.ts KernelModel.enabled; VERIFICATION "Semantics").
// Kernel refusals stay enabled (the refusal is an outcome); what is disabled here is what the
// world or userspace would not do. Kept small for exhaustive exploration: one bind per unbound
// device, accept and opt-in once, one PASID per device. As STYLE.md §6 asks, each event has a
// guard that says why it is disabled (`eventGuard`), and `enabledEvents` enumerates candidates
// through it.
//
// Issue 12's finer events (vfio-claim, vfio-set-iommu, group-type, reset) have guards, so
// `dmagate run` refuses them where the world would not do them, but `enabledEvents` does not
// offer them to the explorer: vfio-claim + vfio-set-iommu reach exactly the states of
// vfio-attach (+ vfio-detach), and group-type / reset are administrator actions outside the
// thread's invariants; offering them would change counterexample traces of `matrix --json`.
import type { Platform } from './platform.js';
import { platIndex, type DevInfo, type PlatIndex } from './platform-index.js';
import { pvecGet } from './pvec.js';
import { ReadMemo } from './read-memo.js';
import { codesWidth, stateCodes, type DevState, type KState } from './state.js';
import type { KEvent } from './types.js';
import type { Variant } from './variants.js';

/** true when `e` is enabled in `s`, else why not. */
export function eventGuard(p: Platform, v: Variant, s: KState, e: KEvent): true | string {
  const i = platIndex(p).byName.get(e.dev);
  if (i === undefined) return `no device "${e.dev}" on this platform`;
  return guard(p, v, (x) => pvecGet(s.devs, x), i, e);
}

/** eventGuard of device `i`'s event `e`, reading device states only through `st` (index -> state;
 * the cache below logs those reads). */
function guard(p: Platform, v: Variant, st: (x: number) => DevState, i: DevInfo, e: KEvent): true | string {
  const d = st(i.i);
  if (e.kind === 'probe') {
    if (d.present) return 'already present';
    if (i.parent !== null && !st(i.parent).present) return 'its upstream port is not present'; // enumeration order
    if (i.physfn !== null && (!st(i.physfn).present || st(i.physfn).drv === 'none')) return "its PF's driver is not bound (SR-IOV disabled)";
    return true;
  }
  if (!d.present) return 'not present';
  const userMayBind = !v.bootDmaSecurity || d.accepted; // D3 step 4: userspace binds accepted devices only
  switch (e.kind) {
    case 'remove':
      if (i.isRootPort) return 'root ports are never removed';
      if (i.children.some((c) => st(c).present)) return 'devices below it go first (bottom-up removal)';
      return true;
    case 'accept':
      if (!v.bootDmaSecurity) return 'accept has a kernel effect only under boot-dma-security';
      return d.accepted ? 'already accepted' : true;
    case 'opt-in':
      if (!v.cxlAtsOptIn) return 'opt-in has a kernel effect only under cxl-ats-opt-in';
      if (!i.cxlCache) return 'not CXL.cache capable';
      return d.optedIn ? 'already opted in' : true;
    case 'bind':
      if (i.desc.driver === null) return 'no driver for it';
      if (i.desc.driver.name === 'vfio-pci') return 'its driver is vfio-pci: use vfio-bind';
      if (d.drv !== 'none') return 'already bound';
      return userMayBind ? true : 'userspace binds only accepted devices (D3 step 4)';
    case 'vfio-bind':
      if (i.isBridge) return 'vfio-pci binds endpoints';
      if (d.drv !== 'none') return 'already bound';
      return userMayBind ? true : 'userspace binds only accepted devices (D3 step 4)';
    case 'unbind':
      return d.drv === 'own' ? true : 'its own driver is not bound';
    case 'vfio-unbind':
      return d.drv === 'vfio' ? true : 'not bound to vfio-pci';
    case 'vfio-attach':
      if (d.drv !== 'vfio') return 'not bound to vfio-pci';
      return d.vfioAttached ? 'already attached' : true;
    case 'vfio-detach':
      return d.vfioAttached ? true : 'not attached to a user domain';
    case 'pasid-attach':
    case 'pasid-detach':
      if (!i.pasidCap) return 'no PASID capability';
      if (!(d.drv === 'own' || (d.drv === 'vfio' && d.vfioOpen))) return 'no bound driver or open VFIO device to use a PASID';
      if (e.kind === 'pasid-attach') return d.pasid ? 'one PASID per device in the event space' : true;
      return d.pasid ? true : 'no PASID attached';
    case 'vfio-claim':
      if (d.drv !== 'vfio') return 'not bound to vfio-pci';
      return d.vfioOpen ? 'already claimed (VFIO_GROUP_SET_CONTAINER done)' : true;
    case 'vfio-set-iommu':
      if (!d.vfioOpen) return 'not claimed: vfio-claim (VFIO_GROUP_SET_CONTAINER) comes first';
      return d.vfioAttached ? 'already attached' : true;
    case 'group-type':
      return e.type === undefined ? 'group-type needs a type' : true; // the kernel's own refusals are outcomes
    case 'reset':
      return true; // sysfs `reset` / VFIO_DEVICE_RESET: any present device; refusals are outcomes
    case 'guest-eats':
      if (p.iommu !== 'arm-smmu-v3') return 'nested vEATS is SMMUv3 (R5.7)';
      if (!d.vfioAttached) return 'not attached to a user domain';
      if (d.pasid) return 'nested attach needs no PASID in use (R5.7)';
      return d.mmu.vEats === (e.on === true) ? `vEATS already ${e.on ? 'on' : 'off'}` : true;
  }
}

function candidates(i: DevInfo, present: boolean): KEvent[] {
  if (!present) return [{ kind: 'probe', dev: i.name }];
  const dev = i.name;
  return [
    { kind: 'remove', dev },
    { kind: 'accept', dev },
    { kind: 'opt-in', dev },
    { kind: 'bind', dev },
    { kind: 'vfio-bind', dev },
    { kind: 'unbind', dev },
    { kind: 'vfio-unbind', dev },
    { kind: 'vfio-attach', dev },
    { kind: 'vfio-detach', dev },
    { kind: 'pasid-attach', dev },
    { kind: 'pasid-detach', dev },
    { kind: 'guest-eats', dev, on: true },
    { kind: 'guest-eats', dev, on: false },
  ];
}

/** The plain enumeration: every candidate event of every device through its guard, in platform
 * order (fresh event objects). `enabledEvents` answers the same, from a cache. */
export function plainEnabledEvents(p: Platform, v: Variant, s: KState): KEvent[] {
  const out: KEvent[] = [];
  for (const i of platIndex(p).devs) {
    for (const e of candidates(i, pvecGet(s.devs, i.i).present)) if (eventGuard(p, v, s, e) === true) out.push(e);
  }
  return out;
}

// ---- the explorer's cache (docs/performance.md "Enabled events") ----
// On every state the explorer asks for the enabled events: 13 candidates per present device and
// a guard each. A device's part of the answer is a function of (p, v) and of the device states
// its guards read — itself, its upstream port, its PF, its children (read through `st`, so the
// reads are logged, not guessed) — and the same local situation recurs in most states. So the
// answer per device is kept in a ReadMemo (read-memo.ts: a hit is the very computation's
// answer), by (p, v): the event objects are made once per device and frozen, shared by every
// state (the step memo, session.ts, then finds its table by event identity). The cache is
// made only once a (p, v) has been asked CACHE_AFTER times: the reduced matrix explores a
// thousand parts of a few dozen states each, each part on its own (recording) p and v
// (verify/part-memo.ts), and there setting a cache up costs more than it saves (measured:
// ≈ 0.15 s of the default matrix's 2 s).
const CACHE_AFTER = 512;

interface EnabledCache {
  readonly ix: PlatIndex;
  /** Per device: its candidates when absent / present, frozen. */
  readonly absent: readonly (readonly KEvent[])[];
  readonly present: readonly (readonly KEvent[])[];
  readonly memos: readonly ReadMemo<readonly KEvent[]>[];
  /** The state's codes (scratch: enabledEvents is not re-entrant). */
  readonly codes: Int32Array;
}

/** Per (p, v): the number of calls so far, then the cache. */
const CACHES = new WeakMap<Platform, WeakMap<Variant, EnabledCache | number>>();

function frozenList(evs: KEvent[]): readonly KEvent[] {
  for (const e of evs) Object.freeze(e);
  return Object.freeze(evs);
}

/** The cache of (p, v), or null while it has been asked fewer than CACHE_AFTER times. */
function cacheOf(p: Platform, v: Variant): EnabledCache | null {
  let byV = CACHES.get(p);
  if (byV === undefined) CACHES.set(p, (byV = new WeakMap()));
  const c = byV.get(v) ?? 0;
  if (typeof c !== 'number') return c;
  if (c < CACHE_AFTER) {
    byV.set(v, c + 1);
    return null;
  }
  const ix = platIndex(p);
  const width = codesWidth(p);
  const made: EnabledCache = {
    ix,
    absent: ix.devs.map((i) => frozenList(candidates(i, false))),
    present: ix.devs.map((i) => frozenList(candidates(i, true))),
    memos: ix.devs.map(() => new ReadMemo(width)),
    codes: new Int32Array(Math.max(1, width)),
  };
  byV.set(v, made);
  return made;
}

/** Device `i`'s enabled events in `s` (plainEnabledEvents' share for it), logging in `reads`
 * every device index its guards read. */
function enabledOf(p: Platform, v: Variant, c: EnabledCache, s: KState, i: DevInfo, reads: number[]): readonly KEvent[] {
  const st = (x: number): DevState => {
    reads.push(x);
    return pvecGet(s.devs, x);
  };
  const cands = st(i.i).present ? c.present[i.i] : c.absent[i.i];
  return Object.freeze(cands.filter((e) => guard(p, v, st, i, e) === true));
}

/** plainEnabledEvents' answer, from the cache. `codes`: s's stateCodes at 0, when the caller
 * has them (types.ts KernelModel.enabled). */
export function enabledEvents(p: Platform, v: Variant, s: KState, codes?: Int32Array): KEvent[] {
  const c = cacheOf(p, v);
  if (c === null) return plainEnabledEvents(p, v, s);
  if (codes === undefined) stateCodes(s, (codes = c.codes), 0);
  const out: KEvent[] = [];
  for (const i of c.ix.devs) {
    const m = c.memos[i.i];
    let evs = m.find(codes, 0);
    if (evs === undefined) {
      const reads: number[] = [];
      evs = enabledOf(p, v, c, s, i, reads);
      m.remember(reads, codes, 0, evs);
    }
    for (let k = 0; k < evs.length; k++) out.push(evs[k]);
  }
  return out;
}

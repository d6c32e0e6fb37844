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
import { platIndex, type DevInfo } from './platform-index.js';
import { pvecGet } from './pvec.js';
import type { KState } from './state.js';
import type { KEvent } from './types.js';
import type { Variant } from './variants.js';

/** true when `e` is enabled in `s`, else why not. */
export function eventGuard(p: Platform, v: Variant, s: KState, e: KEvent): true | string {
  const i = platIndex(p).byName.get(e.dev);
  if (i === undefined) return `no device "${e.dev}" on this platform`;
  const st = (x: number) => pvecGet(s.devs, x);
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

export function enabledEvents(p: Platform, v: Variant, s: KState): KEvent[] {
  const out: KEvent[] = [];
  for (const i of platIndex(p).devs) {
    for (const e of candidates(i, pvecGet(s.devs, i.i).present)) if (eventGuard(p, v, s, e) === true) out.push(e);
  }
  return out;
}

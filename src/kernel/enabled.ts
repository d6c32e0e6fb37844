// World-level preconditions of events (types.ts KernelModel.enabled; VERIFICATION "Semantics").
// Kernel refusals stay enabled (the refusal is an outcome); what is disabled here is what the
// world or userspace would not do. Kept small for exhaustive exploration: one bind per unbound
// device, accept and opt-in once, one PASID per device.
import type { Platform } from '../platform/types.js';
import { platIndex } from './platform-index.js';
import { pvecGet } from './pvec.js';
import type { KState } from './state.js';
import type { KEvent } from './types.js';
import type { Variant } from './variants.js';

export function enabledEvents(p: Platform, v: Variant, s: KState): KEvent[] {
  const ix = platIndex(p);
  const out: KEvent[] = [];
  const st = (i: number) => pvecGet(s.devs, i);
  for (const i of ix.devs) {
    const d = st(i.i);
    const dev = i.name;
    if (!d.present) {
      const parentOk = i.parent === null || st(i.parent).present; // after its upstream port
      const pfOk = i.physfn === null || (st(i.physfn).present && st(i.physfn).drv !== 'none'); // SR-IOV enabled by the PF's driver
      if (parentOk && pfOk) out.push({ kind: 'probe', dev });
      continue;
    }
    // root ports are never removed; a bridge goes after its children (removal is bottom-up)
    if (!i.isRootPort && !i.children.some((c) => st(c).present)) out.push({ kind: 'remove', dev });
    // accept only matters under boot-dma-security (D3 step 5); once
    if (v.bootDmaSecurity && !d.accepted) out.push({ kind: 'accept', dev });
    if (v.cxlAtsOptIn && i.cxlCache && !d.optedIn) out.push({ kind: 'opt-in', dev });
    const userMayBind = !v.bootDmaSecurity || d.accepted; // D3 step 4: userspace binds
    const drv = i.desc.driver;
    if (d.drv === 'none' && userMayBind) {
      if (drv !== null && drv.name !== 'vfio-pci') out.push({ kind: 'bind', dev });
      if (!i.isBridge) out.push({ kind: 'vfio-bind', dev });
    }
    if (d.drv === 'own') out.push({ kind: 'unbind', dev });
    if (d.drv === 'vfio') {
      out.push({ kind: 'vfio-unbind', dev });
      out.push({ kind: d.vfioAttached ? 'vfio-detach' : 'vfio-attach', dev });
    }
    if (i.pasidCap && (d.drv === 'own' || (d.drv === 'vfio' && d.vfioOpen))) {
      out.push({ kind: d.pasid ? 'pasid-detach' : 'pasid-attach', dev });
    }
    // guest-eats: SMMUv3 nested, only while attached to a user domain with no PASID (R5.7)
    if (p.iommu === 'arm-smmu-v3' && d.vfioAttached && !d.pasid) {
      if (d.mmu.vEats !== true) out.push({ kind: 'guest-eats', dev, on: true });
      if (d.mmu.vEats !== false) out.push({ kind: 'guest-eats', dev, on: false });
    }
  }
  return out;
}

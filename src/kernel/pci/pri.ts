// R1.25a–e drivers/pci/ats.c: PRI (pci_pri_init, pci_enable_pri, pci_disable_pri,
// pci_reset_pri, pci_pri_supported, pci_prg_resp_pasid_required). Checked against
// nicolinc/iommufd @ 9e01e6d3 drivers/pci/ats.c. VFs share the PF's PRI.
import type { Platform } from '../platform.js';
import type { TraceEntry } from '../types.js';
import { pciDev } from './index.js';
import { pciDevState, withPciDev, type PciOut, type PciStates } from './state.js';

const tr = (fn: string, dev: string, rule: string, detail: string): TraceEntry => ({ fn, dev, rule, detail });

/** R1.25b drivers/pci/ats.c: pci_enable_pri. */
export function pciEnablePri(p: Platform, st: PciStates, dev: string, reqs: number): PciOut {
  const fn = 'pci_enable_pri';
  const d = pciDev(p, dev);
  const s = pciDevState(st, dev);
  if (d.isVirtfn) {
    // step 1: VFs must not implement PRI; the PF's PRI is shared
    const pfOn = pciDevState(st, d.physfn.name).priEnabled;
    return pfOn
      ? { ret: 0, pci: st, trace: [tr(fn, dev, 'R1.25b', `VF: PF ${d.physfn.name} PRI enabled -> 0`)] }
      : { ret: 'EINVAL', pci: st, trace: [tr(fn, dev, 'R1.25b', `VF: PF ${d.physfn.name} PRI not enabled -> -EINVAL`)] };
  }
  if (s.priEnabled) return { ret: 'EBUSY', pci: st, trace: [tr(fn, dev, 'R1.25b', 'WARN_ON(pdev->pri_enabled) -> -EBUSY')] };
  const cap = d.desc.config.pri;
  if (cap === undefined) return { ret: 'EINVAL', pci: st, trace: [tr(fn, dev, 'R1.25b', 'no PRI capability -> -EINVAL')] };
  if (!cap.stopped) return { ret: 'EBUSY', pci: st, trace: [tr(fn, dev, 'R1.25b', 'PRI_STATUS.Stopped clear -> -EBUSY')] };
  const alloc = Math.min(cap.maxRequests, reqs);
  return {
    ret: 0,
    pci: withPciDev(st, dev, { priEnabled: true, priReqsAlloc: alloc }),
    trace: [tr(fn, dev, 'R1.25b', `write PRI_ALLOC_REQ = min(${cap.maxRequests}, ${reqs}) = ${alloc}; PRI_CTRL = Enable -> 0`)],
  };
}

/** R1.25c drivers/pci/ats.c: pci_disable_pri — VF no-op; not enabled WARN; clear Enable only. */
export function pciDisablePri(p: Platform, st: PciStates, dev: string): PciOut {
  const fn = 'pci_disable_pri';
  const d = pciDev(p, dev);
  if (d.isVirtfn) return { ret: 0, pci: st, trace: [tr(fn, dev, 'R1.25c', 'VF: shares the PF PRI, no-op')] };
  if (!pciDevState(st, dev).priEnabled) return { ret: 0, pci: st, trace: [tr(fn, dev, 'R1.25c', 'WARN_ON(!pdev->pri_enabled): no change')] };
  if (d.desc.config.pri === undefined) return { ret: 0, pci: st, trace: [] };
  return { ret: 0, pci: withPciDev(st, dev, { priEnabled: false }), trace: [tr(fn, dev, 'R1.25c', 'PRI_CTRL &= ~Enable; pri_enabled = 0')] };
}

/** R1.25d drivers/pci/ats.c: pci_reset_pri — PRI must be disabled first. */
export function pciResetPri(p: Platform, st: PciStates, dev: string): PciOut {
  const fn = 'pci_reset_pri';
  const d = pciDev(p, dev);
  if (d.isVirtfn) return { ret: 0, pci: st, trace: [tr(fn, dev, 'R1.25d', 'VF -> 0')] };
  if (pciDevState(st, dev).priEnabled) return { ret: 'EBUSY', pci: st, trace: [tr(fn, dev, 'R1.25d', 'WARN_ON(pdev->pri_enabled) -> -EBUSY')] };
  if (d.desc.config.pri === undefined) return { ret: 'EINVAL', pci: st, trace: [tr(fn, dev, 'R1.25d', 'no PRI capability -> -EINVAL')] };
  return { ret: 0, pci: st, trace: [tr(fn, dev, 'R1.25d', 'write PRI_CTRL = Reset -> 0')] };
}

/** R1.25e drivers/pci/ats.c: pci_pri_supported — the PF's PRI capability for a VF. */
export function pciPriSupported(p: Platform, dev: string): boolean {
  return pciDev(p, dev).physfn.config.pri !== undefined;
}

/** R1.25a/e drivers/pci/ats.c: pci_prg_resp_pasid_required — PF's STATUS bit 15 for a VF. */
export function pciPrgRespPasidRequired(p: Platform, dev: string): boolean {
  return pciDev(p, dev).physfn.config.pri?.pasidRequired ?? false;
}

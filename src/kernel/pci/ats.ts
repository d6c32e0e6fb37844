// R1.1–R1.24 drivers/pci/ats.c (ATS half) and drivers/pci/pci.c: pci_ats_disabled.
// Checked against drivers/pci/ats.c of nicolinc/iommufd @ 9e01e6d3 (v7.0-based mainline
// body); every branch below matches that source line for line. PRI lives in ./pri.ts,
// PASID in ./pasid.ts; both are re-exported here so callers import one module.
import type { Platform } from '../platform.js';
import type { Errno, TraceEntry } from '../types.js';
import { pciDev, type PciDevInfo } from './index.js';
import { pciDevState, withPciDev, type PciOut, type PciStates } from './state.js';
import { pciDevUntrusted } from './trust.js';

export { pciEnablePri, pciDisablePri, pciResetPri, pciPriSupported, pciPrgRespPasidRequired } from './pri.js';
export { pciEnablePasid, pciDisablePasid, pciMaxPasids, pciPasidFeatures, pciEetlpPrefixMax } from './pasid.js';

/** include/uapi/linux/pci_regs.h: PCI_ATS_MIN_STU (4 KiB). */
export const PCI_ATS_MIN_STU = 12;
/** include/uapi/linux/pci_regs.h: PCI_ATS_MAX_QDEP. */
export const PCI_ATS_MAX_QDEP = 32;

const tr = (fn: string, dev: string, rule: string, detail: string): TraceEntry => ({ fn, dev, rule, detail });

/** R1.1 drivers/pci/pci.c: pci_ats_disabled — the pci=noats boot flag. */
export function pciAtsDisabled(p: Platform): boolean {
  return p.cmdline.noats;
}

/** R1.2/R1.3 drivers/pci/ats.c: pci_ats_init — dev->ats_cap: the function's own ATS
 * capability (VFs included), 0 under pci=noats. Returned as "present". */
export function pciAtsCap(p: Platform, d: PciDevInfo): boolean {
  if (pciAtsDisabled(p)) return false; // R1.2
  return d.desc.config.ats !== undefined; // R1.3
}

/** R1.4 drivers/pci/ats.c: pci_ats_supported — ats_cap && !untrusted (a VF's own cap). */
export function pciAtsSupported(p: Platform, dev: string): boolean {
  const d = pciDev(p, dev);
  if (!pciAtsCap(p, d)) return false;
  return !pciDevUntrusted(p, dev);
}

function whyUnsupported(p: Platform, d: PciDevInfo): string {
  if (pciAtsDisabled(p)) return 'pci=noats: ats_cap = 0';
  if (d.desc.config.ats === undefined) return 'no ATS capability';
  return 'device is untrusted';
}

/** R1.6–R1.10 drivers/pci/ats.c: pci_prepare_ats — record the PF's STU before VFs exist. */
export function pciPrepareAts(p: Platform, st: PciStates, dev: string, ps: number): PciOut {
  const fn = 'pci_prepare_ats';
  const d = pciDev(p, dev);
  const s = pciDevState(st, dev);
  if (!pciAtsSupported(p, dev)) return { ret: 'EINVAL', pci: st, trace: [tr(fn, dev, 'R1.6', `${whyUnsupported(p, d)} -> -EINVAL`)] };
  if (s.atsEnabled) return { ret: 'EBUSY', pci: st, trace: [tr(fn, dev, 'R1.7', 'WARN_ON(dev->ats_enabled) -> -EBUSY')] };
  if (ps < PCI_ATS_MIN_STU) return { ret: 'EINVAL', pci: st, trace: [tr(fn, dev, 'R1.8', `ps ${ps} < PCI_ATS_MIN_STU -> -EINVAL`)] };
  if (d.isVirtfn) return { ret: 0, pci: st, trace: [tr(fn, dev, 'R1.9', 'VF: nothing written -> 0')] };
  return {
    ret: 0,
    pci: withPciDev(st, dev, { atsStu: ps }),
    trace: [tr(fn, dev, 'R1.10', `ats_stu = ${ps}; write ATS_CTRL = STU ${ps - PCI_ATS_MIN_STU}, Enable 0 -> 0`)],
  };
}

/** R1.11–R1.16 drivers/pci/ats.c: pci_enable_ats. A VF needs only the PF's *recorded*
 * ats_stu to equal ps (the code, not its comment: §11). PASID-before-ATS (R1.27) is the
 * caller's duty; the model flags a violation where PASID Enable changes (./pasid.ts). */
export function pciEnableAts(p: Platform, st: PciStates, dev: string, ps: number): PciOut {
  const fn = 'pci_enable_ats';
  const d = pciDev(p, dev);
  const s = pciDevState(st, dev);
  if (!pciAtsSupported(p, dev)) return { ret: 'EINVAL', pci: st, trace: [tr(fn, dev, 'R1.11', `${whyUnsupported(p, d)} -> -EINVAL`)] };
  if (s.atsEnabled) return { ret: 'EBUSY', pci: st, trace: [tr(fn, dev, 'R1.12', 'WARN_ON(dev->ats_enabled) -> -EBUSY')] };
  if (ps < PCI_ATS_MIN_STU) return { ret: 'EINVAL', pci: st, trace: [tr(fn, dev, 'R1.13', `ps ${ps} < PCI_ATS_MIN_STU -> -EINVAL`)] };
  if (d.isVirtfn) {
    const pf = d.physfn.name;
    const pfStu = pciDevState(st, pf).atsStu;
    if (pfStu !== ps) {
      return { ret: 'EINVAL', pci: st, trace: [tr(fn, dev, 'R1.14', `VF: PF ${pf} ats_stu ${pfStu} != ps ${ps} -> -EINVAL`)] };
    }
    return {
      ret: 0,
      pci: withPciDev(st, dev, { atsEnabled: true }),
      trace: [tr(fn, dev, 'R1.14', `VF: PF ${pf} ats_stu ${pfStu} == ps; write ATS_CTRL = Enable only (STU is the PF's) -> 0`)],
    };
  }
  return {
    ret: 0,
    pci: withPciDev(st, dev, { atsEnabled: true, atsStu: ps }),
    trace: [tr(fn, dev, 'R1.15', `ats_stu = ${ps}; write ATS_CTRL = Enable | STU ${ps - PCI_ATS_MIN_STU}; ats_enabled = 1 -> 0`)],
  };
}

/** R1.17–R1.18 drivers/pci/ats.c: pci_disable_ats — clear Enable only; ats_stu kept. */
export function pciDisableAts(p: Platform, st: PciStates, dev: string): PciOut {
  const fn = 'pci_disable_ats';
  pciDev(p, dev);
  if (!pciDevState(st, dev).atsEnabled) return { ret: 0, pci: st, trace: [tr(fn, dev, 'R1.17', 'WARN_ON(!dev->ats_enabled): no change')] };
  return { ret: 0, pci: withPciDev(st, dev, { atsEnabled: false }), trace: [tr(fn, dev, 'R1.18', 'ATS_CTRL &= ~Enable (STU kept); ats_enabled = 0')] };
}

/** R1.19 drivers/pci/ats.c: pci_restore_ats_state — rewrite Enable (+ STU unless VF) on resume. */
export function pciRestoreAtsState(p: Platform, st: PciStates, dev: string): PciOut {
  const d = pciDev(p, dev);
  const s = pciDevState(st, dev);
  if (!s.atsEnabled) return { ret: 0, pci: st, trace: [] };
  const what = d.isVirtfn ? 'Enable' : `Enable | STU ${s.atsStu - PCI_ATS_MIN_STU}`;
  return { ret: 0, pci: st, trace: [tr('pci_restore_ats_state', dev, 'R1.19', `write ATS_CTRL = ${what}`)] };
}

/** R1.20–R1.23 drivers/pci/ats.c: pci_ats_queue_depth — untrusted is not consulted. */
export function pciAtsQueueDepth(p: Platform, dev: string): number | Errno {
  const d = pciDev(p, dev);
  if (!pciAtsCap(p, d)) return 'EINVAL'; // R1.20
  if (d.isVirtfn) return 0; // R1.21 shared queue
  const q = d.desc.config.ats?.invalidateQueueDepth ?? 0;
  return q !== 0 ? q : PCI_ATS_MAX_QDEP; // R1.22
}

/** R1.24 drivers/pci/ats.c: pci_ats_page_aligned — ats_cap && CAP bit 5. */
export function pciAtsPageAligned(p: Platform, dev: string): boolean {
  const d = pciDev(p, dev);
  return pciAtsCap(p, d) && (d.desc.config.ats?.pageAligned ?? false);
}

// PCI Access Control Services as the kernel reads them (drivers/pci/pci.c:
// pci_std_enable_acs, pci_acs_flags_enabled, pci_acs_enabled, pci_acs_path_enabled).
// Used by R1.26 step 5 (PASID needs RR|UF on the path) and R3.1–R3.3 (grouping).
//
// Kernel source read (torvalds/linux drivers/pci/pci.c, classic form before the 2025
// ACS-grouping rework):
// - pci_std_enable_acs sets SV|RR|CR|UF in ACS Control for every bit the ACS Capability
//   offers, when pci_acs_enable is set; every IOMMU driver requests that at init
//   (pci_request_acs: DMAR detect for VT-d, detect_ivrs for AMD, IORT/OF iommu-map for
//   SMMUv3). So the model reads *effective* control = decoded ctrl | (cap & SV|RR|CR|UF).
// - pci_acs_flags_enabled: no ACS capability -> false; flags the capability does not
//   offer count as hard-wired enabled ("acs_flags &= (cap | PCI_ACS_EC)").
// - pci_acs_enabled: not PCIe -> false; PCIe-to-PCI / PCI-to-PCIe bridges and RC event
//   collectors -> false; root and downstream ports -> the flags; endpoints, legacy
//   endpoints, RCiEPs and upstream ports -> true unless multifunction, then the flags;
//   anything else -> true. Device-specific quirks (pci_dev_specific_acs_enabled) are not
//   modelled.
import { ACS } from '../../pci/types.js';
import type { Platform } from '../platform.js';
import { pciDev, pciIndex, type PciDevInfo } from './index.js';
import { pciTrust } from './trust.js';

/** R3.1 drivers/iommu/iommu.c: REQ_ACS_FLAGS = SV | RR | CR | UF. */
export const REQ_ACS_FLAGS = ACS.SV | ACS.RR | ACS.CR | ACS.UF;

const STD_ENABLED = ACS.SV | ACS.RR | ACS.CR | ACS.UF;

/** pci_std_enable_acs ran on the platform's boot-time devices: pci_request_acs() came before the
 * PCI bus scan. Observed otherwise (issue 12, data/kernel/smmuv3.json: ACS Control 0 on QEMU's
 * root ports in an arm64 device-tree guest, endpoints in their port's group): on DT platforms
 * of_iommu_configure requests ACS at a device's dma_configure, after enumeration — the
 * platform feature lateAcsRequest. */
export function acsEnabledAtEnumeration(p: Platform): boolean {
  return !p.features.lateAcsRequest;
}

/** drivers/pci/pci.c: pci_acs_flags_enabled (after pci_std_enable_acs ran at enumeration,
 * unless `stdEnabled` is false: then ACS Control is as decoded). */
export function pciAcsFlagsEnabled(d: PciDevInfo, flags: number, stdEnabled = true): boolean {
  const acs = d.desc.config.acs;
  if (acs === undefined) return false; // no dev->acs_cap
  const ctrl = acs.ctrl | (stdEnabled ? acs.cap & STD_ENABLED : 0); // pci_std_enable_acs
  const need = flags & (acs.cap | ACS.EC); // missing from CAP = hard-wired enabled
  return (ctrl & need) === need;
}

/** drivers/pci/pci.c: pci_acs_enabled — effective ACS of one function. */
export function pciAcsEnabledInfo(d: PciDevInfo, flags: number, stdEnabled = true): boolean {
  if (d.pcieType === null) return false; // conventional PCI never isolates
  switch (d.pcieType) {
    case 'pci-to-pcie-bridge': // PCI_EXP_TYPE_PCIE_BRIDGE
    case 'pcie-to-pci-bridge': // PCI_EXP_TYPE_PCI_BRIDGE
    case 'rc-event-collector':
      return false;
    case 'downstream-port':
    case 'root-port':
      return pciAcsFlagsEnabled(d, flags, stdEnabled);
    case 'endpoint':
    case 'upstream-port':
    case 'legacy-endpoint':
    case 'rc-integrated-endpoint':
      if (!d.multifunction) return true;
      return pciAcsFlagsEnabled(d, flags, stdEnabled);
    default:
      return true;
  }
}

export function pciAcsEnabled(p: Platform, dev: string, flags: number): boolean {
  return pciAcsEnabledInfo(pciDev(p, dev), flags, acsEnabledAtEnumeration(p));
}

/** drivers/pci/pci.c: pci_acs_path_enabled(start, end, flags) — every function from start
 * up to end (or to the root bus when end is null) has the flags. The walk follows
 * dev->bus->self; reaching the root bus returns (end == NULL). A virtual bus (self NULL)
 * ends the walk as the kernel's NULL parent would: treated as reaching the top. */
export function pciAcsPathEnabled(p: Platform, start: string, end: string | null, flags: number): boolean {
  const ix = pciIndex(p);
  let cur: PciDevInfo | undefined = pciDev(p, start);
  for (let hops = 0; cur !== undefined && hops <= p.devices.length; hops++) {
    if (!pciAcsEnabledInfo(cur, flags, acsEnabledAtEnumeration(p))) return false;
    if (cur.upstream === null) return end === null; // pci_is_root_bus(pdev->bus)
    if (cur.desc.name === end) return true;
    const next = cur.busSelf ?? cur.upstream;
    cur = ix.byName.get(next.name);
  }
  return end === null;
}

/** R2.7a drivers/pci/pci.c: pci_std_enable_acs — ACS Control after enumeration: SV|RR|CR|UF
 * as offered, plus Translation Blocking (TB) when ATS is disabled globally or the port is
 * external-facing or untrusted. null without an ACS capability. */
export function pciAcsEffectiveCtrl(p: Platform, dev: string): number | null {
  const d = pciDev(p, dev);
  const acs = d.desc.config.acs;
  if (acs === undefined) return null;
  const t = pciTrust(p);
  const tb = p.cmdline.noats || t.externalFacing[d.order] === 1 || t.untrusted[d.order] === 1;
  if (!acsEnabledAtEnumeration(p)) return acs.ctrl;
  return acs.ctrl | (acs.cap & STD_ENABLED) | (tb ? acs.cap & ACS.TB : 0);
}

/** R2.7a: the first port above `dev` (walking pci_upstream_bridge) whose ACS Translation
 * Blocking is on — Translated requests from `dev` stop there; null when none blocks. */
export function pciAcsTranslationBlockedAt(p: Platform, dev: string): string | null {
  const ix = pciIndex(p);
  let up = pciDev(p, dev).upstream;
  for (let hops = 0; up !== null && hops <= p.devices.length; hops++) {
    const c = pciAcsEffectiveCtrl(p, up.name);
    if (c !== null && (c & ACS.TB) !== 0) return up.name;
    up = ix.byName.get(up.name)?.upstream ?? null;
  }
  return null;
}

// drivers/iommu/amd/iommu.c (mainline ≈ v7.0): pdev_get_caps at probe (R5.16), capabilities
// enabled at attach, IDENTITY included (R5.17–R5.18), disabled at detach / BLOCKED (R5.19).
// PASID: drivers/iommu/amd/pasid.c (source read, see setDevPasid and defaultDomainIsV2).
import { pciAtsSupported } from '../../pci/ats.js';
import { MMU_INITIAL } from '../../state.js';
import { OK, dev, fail, grp, info, log, presentMembers, setDev, type Tx } from '../../tx.js';
import type { DomainKind, KReturn } from '../../types.js';
import { atsPolicyAllows, d2ForcesOff, isNoAtsDomain, isPaging, viewOf, type DevView, type IommuOps } from '../ops.js';
import * as pci from '../pci-calls.js';

const PAGE_SHIFT = 12;

/** R5.16 pdev_get_caps: ATS support recorded when pci_ats_supported. R5.21 (kernel source read,
 * amd/iommu.c iommu_init_device): mainline calls pdev_get_caps only when
 * amd_iommu_gt_ppr_supported() — without EFR GT and PPR dev_data->flags stay 0: no ATS, no
 * PASID from this driver. 6.1 (profile) has no such gate for ATS. */
function getCaps(tx: Tx, name: string): void {
  if (tx.prof.amdCapsNeedGtPpr && !tx.p.features.amdGtPpr) {
    setDev(tx, name, { mmu: { ...dev(tx, name).mmu, atsSupported: false, ssidBits: 0 } });
    log(tx, 'iommu_init_device', name, 'R5.21', '!amd_iommu_gt_ppr_supported(): pdev_get_caps not called, flags = 0');
    return;
  }
  const x = viewOf(tx, name);
  const sup = pciAtsSupported(tx.p, name) && atsPolicyAllows(tx.v, x.info, x.d);
  const bits = info(tx, name).pasidCap ? Math.log2(Math.max(pci.pciMaxPasids(tx, name), 1)) : 0;
  setDev(tx, name, { mmu: { ...dev(tx, name).mmu, atsSupported: sup, ssidBits: bits } });
  log(tx, 'pdev_get_caps', name, 'R5.16', `ats=${sup ? 1 : 0} pasid_bits=${bits}`);
}

/** amd_iommu_probe_device: iommu_init_device (getCaps), then (R5.21, ≈ v6.13+) pci_prepare_ats
 * (STU recorded for VFs, R1.6–R1.10) for an ATS-capable device. */
function probeDevice(tx: Tx, name: string): KReturn {
  setDev(tx, name, { mmu: MMU_INITIAL });
  getCaps(tx, name);
  if (tx.prof.pciPrepareAts && dev(tx, name).mmu.atsSupported) {
    const r = pci.pciPrepareAts(tx, name, PAGE_SHIFT);
    log(tx, 'pci_prepare_ats', name, 'R5.21', `ps=12 -> ${r}`);
  }
  return OK;
}

/** R5.21 amd_iommu_def_domain_type (kernel source read, amd/iommu.c): DMA for an untrusted
 * device; IDENTITY for a device with PASID support (dev_data->flags PASID_SUP, i.e. GT+PPR and a
 * PASID capability) unless memory encryption (CC_ATTR_MEM_ENCRYPT) or SNP is active; else no
 * preference. 6.1: dev_data->iommu_v2 (pci_iommuv2_capable: ATS supported, PRI and PASID
 * capabilities; iommu->is_iommu_v2 = GT and PPR) and no memory encryption; no SNP test there
 * (INFERRED for the 6.1 SNP/encryption details). */
function defDomainType(tx: Tx, name: string): 'identity' | 'dma' | null {
  const i = info(tx, name);
  if (tx.prof.amdCapsNeedGtPpr) {
    if (i.untrusted) return 'dma';
    const pasidSup = tx.p.features.amdGtPpr && i.pasidCap;
    return pasidSup && !tx.p.ccGuest && !tx.p.features.amdSnp ? 'identity' : null;
  }
  const v2 = tx.p.features.amdGtPpr && pciAtsSupported(tx.p, name) && i.pasidCap && i.desc.config.pri !== undefined;
  return v2 && !tx.p.ccGuest ? 'identity' : null;
}

/** iommu_attach_device_pasid: "if (!domain->ops->set_dev_pasid ...) return -EOPNOTSUPP" — on
 * AMD only the SVA domain ops (amd/pasid.c) have set_dev_pasid: a PASID attach of a VFIO/iommufd
 * user's paging domain is refused for that reason, before max_pasids is looked at (R5.21;
 * iommufd may refuse earlier, iommufd_hwpt_pasid_compat). A bound kernel driver uses SVA. */
function pasidDomainCheck(tx: Tx, name: string): KReturn {
  if (dev(tx, name).drv === 'vfio') {
    log(tx, 'iommu_attach_device_pasid', name, 'R5.21', 'user paging domain: amd domain ops have no set_dev_pasid -> -EOPNOTSUPP');
    return fail('EOPNOTSUPP', 'AMD-Vi: only the SVA domain has set_dev_pasid; a VFIO/iommufd paging domain cannot be attached to a PASID (R5.21)');
  }
  return OK;
}

/** R5.17 amd_iommu_pdev_enable_cap_ats: IVRS IOTLB, device ATS flag, not yet enabled. */
function enableCapAts(tx: Tx, name: string): void {
  const d = dev(tx, name);
  if (!tx.p.features.amdIotlb || !d.mmu.atsSupported || d.mmu.atsEnabled) return;
  const r = pci.pciEnableAts(tx, name, PAGE_SHIFT);
  log(tx, 'amd_iommu_pdev_enable_cap_ats', name, 'R5.17', `pci_enable_ats(12) -> ${r}`);
  if (r === 0) setDev(tx, name, { mmu: { ...dev(tx, name).mmu, atsEnabled: true } });
}

/** R5.19 pdev_disable_caps: ATS, then PASID, then PRI. */
function disableCaps(tx: Tx, name: string, rule: string): void {
  if (dev(tx, name).mmu.atsEnabled) {
    const r = pci.pciDisableAts(tx, name);
    log(tx, 'pdev_disable_cap_ats', name, rule, `pci_disable_ats -> ${r}`);
    setDev(tx, name, { mmu: { ...dev(tx, name).mmu, atsEnabled: false } });
  }
  if (dev(tx, name).pci.pasidEnabled) log(tx, 'pdev_disable_cap_pasid', name, rule, `pci_disable_pasid -> ${pci.pciDisablePasid(tx, name)}`);
  if (dev(tx, name).pci.priEnabled) log(tx, 'pdev_disable_cap_pri', name, rule, `pci_disable_pri -> ${pci.pciDisablePri(tx, name)}`);
}

/** R5.18 pdev_enable_caps: PASID → ATS → PRI (2025 order fix, R1.27). */
function enableCaps(tx: Tx, name: string): void {
  const i = info(tx, name);
  if (i.pasidCap && !dev(tx, name).pci.pasidEnabled) {
    log(tx, 'pdev_enable_cap_pasid', name, 'R5.18', `pci_enable_pasid -> ${pci.pciEnablePasid(tx, name, pci.pasidFeatures(tx, name))}`);
  }
  enableCapAts(tx, name);
  if (i.desc.config.pri !== undefined && dev(tx, name).mmu.atsEnabled && !dev(tx, name).pci.priEnabled) {
    log(tx, 'pdev_enable_cap_pri', name, 'R5.18', `pci_enable_pri(32) -> ${pci.pciEnablePri(tx, name, 32)}`);
  }
}

/** Kernel source read: iommu.c __iommu_group_alloc_default_domain asks for a PASID-compatible
 * DMA domain (IOMMU_HWPT_ALLOC_PASID) when the group's first device has max_pasids; AMD's
 * amd_iommu_domain_alloc_paging_flags then allocates a v2 page table ("if IOMMU supports
 * PASID"), and attach_device enables all capabilities for it (pdom_is_sva_capable). VFIO
 * type1 and the parking domains allocate without flags: amd_iommu_pgtable's v1, ATS only. */
function defaultDomainIsV2(tx: Tx, name: string): boolean {
  const first = presentMembers(tx, name).find((m) => dev(tx, m).probeErr === null);
  return first !== undefined && dev(tx, first).mmu.ssidBits > 0;
}

function attachCheck(_tx: Tx, _name: string, dom: DomainKind): KReturn {
  if (dom === 'nested') return fail('EOPNOTSUPP', 'nested vEATS is modelled for SMMUv3 only');
  return OK;
}

/** attach_device: detach_device first (caps off), then caps per domain: IDENTITY is
 * SVA-capable (all caps); a v1 paging domain gets ATS only (R5.18); BLOCKED clears the DTE. */
function attachDev(tx: Tx, name: string, dom: DomainKind): void {
  const d = dev(tx, name);
  if (dom === 'blocked' && d.pasid && tx.v.d2BlockedMeansNoAts) {
    log(tx, 'blocked_domain_attach_device', name, 'D2', 'PASIDs in use: capabilities kept (tracked as SMMUv3 does)');
    return;
  }
  disableCaps(tx, name, dom === 'blocked' ? 'R5.19' : 'R5.18');
  if (dom === 'blocked') {
    log(tx, 'blocked_domain_attach_device', name, 'R5.19', 'DTE cleared (I=0)');
    return;
  }
  if (isNoAtsDomain(dom)) {
    log(tx, 'attach_device', name, 'D7b', `${dom}: ATS not enabled (domain flag)`);
    return;
  }
  if (dom === 'identity' || ((dom === 'dma' || dom === 'dma-fq') && defaultDomainIsV2(tx, name))) enableCaps(tx, name);
  else if (isPaging(dom)) enableCapAts(tx, name);
  log(tx, 'attach_device', name, 'R5.18', `DTE for ${dom}, I=${dev(tx, name).mmu.atsEnabled ? 1 : 0}`);
}

/** drivers/iommu/amd/pasid.c iommu_sva_set_dev_pasid → iommu_setup_pasid_pri (kernel source
 * read): "attach_device path enables device PASID feature" — -EINVAL unless PCI PASID was
 * enabled by the RID attach (an SVA-capable domain, R5.18); a PRI-capable device also needs PRI on. */
function setDevPasid(tx: Tx, name: string): KReturn {
  const d = dev(tx, name);
  if (!d.pci.pasidEnabled) return fail('EINVAL', 'iommu_pasid_enable: dev_data->pasid_enabled = 0 (RID domain not PASID-capable, R5.18)');
  if (info(tx, name).desc.config.pri !== undefined && !d.pci.priEnabled) return fail('EINVAL', 'iommu_setup_pasid_pri: PRI not enabled');
  log(tx, 'amd_iommu_set_dev_pasid', name, 'R4.32', 'GCR3 entry set');
  return OK;
}

function removeDevPasid(tx: Tx, name: string): void {
  log(tx, 'amd_iommu_remove_dev_pasid', name, 'R4.32a', 'GCR3 entry cleared');
  if (d2ForcesOff(tx.v, grp(tx, name).domain, dev(tx, name))) disableCaps(tx, name, 'D2');
}

function releaseDevice(tx: Tx, name: string): void {
  disableCaps(tx, name, 'R5.19');
  setDev(tx, name, { mmu: MMU_INITIAL });
}

/** R5.20 [INFERRED]: Translated honoured only with DTE.I=1; BLOCKED's cleared DTE has I=0
 * (under D2 with PASIDs in use the DTE is kept). */
function translatedAccepted(x: DevView): boolean {
  if (x.domain === null || !x.d.mmu.atsEnabled || isNoAtsDomain(x.domain)) return false;
  if (x.domain === 'blocked') return x.d.pasid && x.v.d2BlockedMeansNoAts;
  return true;
}

export const amdOps: IommuOps = {
  id: 'amd',
  hasBlockedDomain: (prof) => prof.vendorBlockedDomain, // profiles.ts: 6.1 had none
  hasIdentityDomain: true,
  probeDevice,
  reprobeAts: getCaps,
  attachCheck,
  attachDev,
  setDevPasid,
  removeDevPasid,
  releaseDevice,
  atsSupported: (x) => x.d.mmu.atsSupported,
  translatedAccepted,
  defDomainType,
  pasidDomainCheck,
};

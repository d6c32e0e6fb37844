// drivers/iommu/intel/iommu.c (mainline ≈ v7.0): scalable mode (R5.11–R5.13, R5.15) and
// legacy mode (R5.14, platform id 'intel-legacy'). 6.1 profile: ATS at attach, not probe.
import { pciAtsSupported } from '../../pci/ats.js';
import { MMU_INITIAL } from '../../state.js';
import { OK, dev, fail, grp, info, log, setDev, type Tx } from '../../tx.js';
import type { DomainKind, KReturn } from '../../types.js';
import { atsPolicyAllows, d2ForcesOff, isNoAtsDomain, isPaging, viewOf, type DevView, type IommuOps } from '../ops.js';
import * as pci from '../pci-calls.js';

const VTD_PAGE_SHIFT = 12;
const sm = (tx: { p: { iommu: string } }): boolean => tx.p.iommu !== 'intel-legacy'; // sm_supported(iommu)

/** R5.11: pci_ats_supported && ECAP.DT && dmar_ats_supported (ATSR/SATC). */
function atsSupportedNow(x: DevView): boolean {
  const f = x.p.features;
  return pciAtsSupported(x.p, x.info.name) && f.intelDeviceTlb && f.intelAtsr && atsPolicyAllows(x.v, x.info, x.d);
}

/** R5.12 iommu_enable_pci_ats: needs ats_supported and pci_ats_page_aligned. */
function iommuEnablePciAts(tx: Tx, name: string, rule: string): void {
  const d = dev(tx, name);
  if (!d.mmu.atsSupported || d.mmu.atsEnabled) return;
  if (!pci.pciAtsPageAligned(tx, name)) {
    log(tx, 'iommu_enable_pci_ats', name, 'R5.12', 'Page Aligned Request = 0: ATS not enabled');
    return;
  }
  const r = pci.pciEnableAts(tx, name, VTD_PAGE_SHIFT);
  log(tx, 'iommu_enable_pci_ats', name, rule, `pci_enable_ats(12) -> ${r}`);
  if (r === 0) setDev(tx, name, { mmu: { ...dev(tx, name).mmu, atsEnabled: true } });
}

function iommuDisablePciAts(tx: Tx, name: string, rule: string): void {
  if (!dev(tx, name).mmu.atsEnabled) return;
  const r = pci.pciDisableAts(tx, name);
  log(tx, 'iommu_disable_pci_ats', name, rule, `pci_disable_ats -> ${r}`);
  setDev(tx, name, { mmu: { ...dev(tx, name).mmu, atsEnabled: false } });
}

function computeAtsSupported(tx: Tx, name: string): void {
  const sup = atsSupportedNow(viewOf(tx, name));
  setDev(tx, name, { mmu: { ...dev(tx, name).mmu, atsSupported: sup } });
  log(tx, 'intel_iommu_probe_device', name, 'R5.11', `info->ats_supported=${sup ? 1 : 0}`);
  if (sup && tx.prof.pciPrepareAts) {
    const r = pci.pciPrepareAts(tx, name, VTD_PAGE_SHIFT);
    log(tx, 'pci_prepare_ats', name, 'R5.11', `ps=12 -> ${r}`);
  }
}

/** R5.11/R5.13 intel_iommu_probe_device: ats_supported, PASID (sm only), ATS at probe (sm, v6.15+). */
function probeDevice(tx: Tx, name: string): KReturn {
  setDev(tx, name, { mmu: MMU_INITIAL });
  computeAtsSupported(tx, name);
  if (sm(tx) && info(tx, name).pasidCap) {
    // "PASID before ATS" (PCIe r4.0 §10.5.1.3): pci_enable_pasid at probe in scalable mode
    const r = pci.pciEnablePasid(tx, name, pci.pasidFeatures(tx, name));
    const bits = r === 0 ? Math.log2(Math.max(pci.pciMaxPasids(tx, name), 1)) : 0;
    setDev(tx, name, { mmu: { ...dev(tx, name).mmu, ssidBits: bits } });
    log(tx, 'intel_iommu_probe_device', name, 'R5.11', `pci_enable_pasid -> ${r}`);
  }
  if (sm(tx) && tx.prof.intelAtsAtProbe) iommuEnablePciAts(tx, name, 'R5.13'); // 5518f239aff1
  return OK;
}

function reprobeAts(tx: Tx, name: string): void {
  computeAtsSupported(tx, name);
  if (sm(tx) && tx.prof.intelAtsAtProbe) iommuEnablePciAts(tx, name, 'R5.13');
}

function attachCheck(_tx: Tx, _name: string, dom: DomainKind): KReturn {
  if (dom === 'nested') return fail('EOPNOTSUPP', 'nested vEATS is modelled for SMMUv3 only');
  return OK;
}

/** Scalable: ATS follows probe/release (R5.13), except the no-ATS domains and D2; legacy:
 * ATS follows the context entry (R5.14 domain_context_mapping / domain_context_clear). */
function attachDev(tx: Tx, name: string, dom: DomainKind): void {
  const d = dev(tx, name);
  const forcedOff = isNoAtsDomain(dom) || d2ForcesOff(tx.v, dom, d);
  if (sm(tx)) {
    log(tx, 'intel_iommu_attach_device', name, 'R5.13', `RID PASID entry -> ${dom}`);
    if (forcedOff) iommuDisablePciAts(tx, name, isNoAtsDomain(dom) ? 'D7b' : 'D2');
    else if (tx.prof.intelAtsAtProbe) iommuEnablePciAts(tx, name, 'R5.13'); // back on after a no-ATS domain
    else if (isPaging(dom) || dom === 'identity') iommuEnablePciAts(tx, name, 'R5.13'); // 6.1: at attach
    return;
  }
  // legacy: device_block_translation / domain_context_clear first, then the new context
  iommuDisablePciAts(tx, name, 'R5.14');
  if (isPaging(dom) && !forcedOff) {
    log(tx, 'domain_context_mapping', name, 'R5.14', `context TT=${d.mmu.atsSupported ? 'Device-TLB' : 'multi-level'}`);
    iommuEnablePciAts(tx, name, 'R5.14');
  } else {
    log(tx, dom === 'identity' ? 'device_setup_pass_through' : 'domain_context_clear', name, 'R5.14', `context for ${dom}`);
  }
}

/** Scalable mode has PASID tables; legacy has none (max_pasids 0 → the core refuses first). */
function setDevPasid(tx: Tx, name: string): KReturn {
  if (!sm(tx)) return fail('EOPNOTSUPP', 'VT-d legacy mode: no PASID table');
  log(tx, 'intel_iommu_set_dev_pasid', name, 'R4.32', 'PASID entry set up');
  if (grp(tx, name).domain === 'blocked' && tx.v.d2BlockedMeansNoAts) iommuEnablePciAts(tx, name, 'D2');
  return OK;
}

function removeDevPasid(tx: Tx, name: string): void {
  log(tx, 'intel_iommu_remove_dev_pasid', name, 'R4.32a', 'PASID entry torn down');
  if (d2ForcesOff(tx.v, grp(tx, name).domain, dev(tx, name))) iommuDisablePciAts(tx, name, 'D2');
}

/** R5.13 intel_iommu_release_device: ATS off only here (scalable); PASID off. */
function releaseDevice(tx: Tx, name: string): void {
  iommuDisablePciAts(tx, name, 'R5.13');
  if (dev(tx, name).pci.pasidEnabled) pci.pciDisablePasid(tx, name);
  setDev(tx, name, { mmu: MMU_INITIAL });
}

/** R5.15: scalable: context DTE set when ats_supported, whatever the RID PASID entry (BLOCKED
 * included); legacy: TT=Device-TLB only in a paging context. Kernel source read:
 * intel/pasid.c context_entry_set_pasid_table "if (info->ats_supported) context_set_sm_dte",
 * intel/iommu.c domain_context_mapping_one "if (info && info->ats_supported) translation =
 * CONTEXT_TT_DEV_IOTLB" — both key on ats_supported, not on page alignment (R5.12), so a
 * non-page-aligned device has Translated accepted with PCI ATS off. What the hardware does with
 * them stays inferred from the VT-d spec. */
function translatedAccepted(x: DevView): boolean {
  if (x.domain === null || !x.d.mmu.atsSupported) return false;
  if (isNoAtsDomain(x.domain) || d2ForcesOff(x.v, x.domain, x.d)) return false;
  if (x.p.iommu === 'intel-legacy') return isPaging(x.domain);
  return true;
}

export const intelOps: IommuOps = {
  id: 'intel',
  hasBlockedDomain: (prof) => prof.vendorBlockedDomain, // profiles.ts: 6.1 had none
  hasIdentityDomain: true,
  probeDevice,
  reprobeAts,
  attachCheck,
  attachDev,
  setDevPasid,
  removeDevPasid,
  releaseDevice,
  atsSupported: (x) => x.d.mmu.atsSupported,
  translatedAccepted,
};

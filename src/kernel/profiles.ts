// Kernel profiles as data over the one model (variants.ts PROFILES): each flag is read where
// the older kernel's rule differs. 'v7.0' is mainline as the reference describes it.
import type { Variant } from './variants.js';

export interface Profile {
  /** Vendor drivers provide a static BLOCKED domain (ops->blocked_domain, R4.15). Before it
   * (6.1: SMMUv3, VT-d and AMD-Vi had none) the core allocates an empty paging domain, an
   * UNMANAGED domain the vendor treats as paging, so ATS stays on in it. */
  readonly vendorBlockedDomain: boolean;
  /** VT-d enables ATS at probe in scalable mode (5518f239aff1, v6.15, R5.13); before that at
   * domain attach (dmar_domain_attach_device → iommu_enable_pci_caps) for paging and identity. */
  readonly intelAtsAtProbe: boolean;
  /** pci_prepare_ats exists and SMMUv3/VT-d call it at probe (R1.6–R1.10, R5.2, R5.11; ≈ v6.13+). */
  readonly pciPrepareAts: boolean;
  /** SMMUv3 attach rework (arm_smmu_attach_prepare/commit, IDENTITY-with-PASID CD-table STE,
   * R5.3–R5.6; ≈ v6.10+). Not modelled separately: 6.1's SMMUv3 without SVA on an IDENTITY
   * RID is covered by pasid-attach refusals (see drivers/arm-smmu-v3.ts). */
  readonly smmuAttachRework: boolean;
  /** VT-d Caching Mode forces strict only without first-stage default tables (mainline
   * intel_iommu_init "!first_level_by_default(iommu)"); 6.1 forces it whenever CAP.CM (R4.4a). */
  readonly intelCmFirstLevelExempt: boolean;
  /** iommu_group_store_type: mainline refuses on owner_cnt (-EPERM) and changes any group;
   * 6.1 changes a singleton group with no driver bound (-EINVAL / -EBUSY otherwise). */
  readonly groupTypeMultiDevice: boolean;
  /** pci_dev_reset_iommu_prepare/done around every PCI reset method (v7.0, c279e83953d9):
   * RID and PASIDs parked in the blocking domain for the reset. 6.1: no such hook. */
  readonly resetParksInBlocking: boolean;
  /** AMD-Vi mainline: iommu_init_device records capabilities (pdev_get_caps) only when
   * amd_iommu_gt_ppr_supported(); amd_iommu_probe_device calls pci_prepare_ats. 6.1:
   * attach_device enables ATS when amd_iommu_iotlb_sup and pci_enable_ats succeeds. */
  readonly amdCapsNeedGtPpr: boolean;
  /** SMMUv3 devices are IOMMU-probed at their first driver bind, not at device add: in 6.1 the
   * fwspec is created by of_dma_configure / acpi_dma_configure from pci_dma_configure (really_probe),
   * so the BUS_NOTIFY_ADD_DEVICE probe and bus_iommu_probe find none (arm_smmu_probe_device:
   * -ENODEV) — observed under QEMU (data/kernel/smmuv3.json: "Adding to iommu group" at bind).
   * Mainline probes firmware-described devices at add (the 2023–24 fwspec/probe rework; INFERRED
   * as v7.0 behaviour). */
  readonly smmuProbeAtBind: boolean;
}

export const PROFILE_DATA: Readonly<Record<Variant['profile'], Profile>> = {
  'v7.0': {
    vendorBlockedDomain: true,
    intelAtsAtProbe: true,
    pciPrepareAts: true,
    smmuAttachRework: true,
    intelCmFirstLevelExempt: true,
    groupTypeMultiDevice: true,
    resetParksInBlocking: true,
    amdCapsNeedGtPpr: true,
    smmuProbeAtBind: false,
  },
  'v6.1': {
    vendorBlockedDomain: false,
    intelAtsAtProbe: false,
    pciPrepareAts: false,
    smmuAttachRework: false,
    intelCmFirstLevelExempt: false,
    groupTypeMultiDevice: false,
    resetParksInBlocking: false,
    amdCapsNeedGtPpr: false,
    smmuProbeAtBind: true,
  },
};

export function profileOf(v: Variant): Profile {
  return PROFILE_DATA[v.profile];
}

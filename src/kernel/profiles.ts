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
}

export const PROFILE_DATA: Readonly<Record<Variant['profile'], Profile>> = {
  'v7.0': { vendorBlockedDomain: true, intelAtsAtProbe: true, pciPrepareAts: true, smmuAttachRework: true },
  'v6.1': { vendorBlockedDomain: false, intelAtsAtProbe: false, pciPrepareAts: false, smmuAttachRework: false },
};

export function profileOf(v: Variant): Profile {
  return PROFILE_DATA[v.profile];
}

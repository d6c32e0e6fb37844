// The machine as plain data: what the kernel model runs on. Built by importers
// (scenario YAML, live or fake sysfs, the built-in reference platform); never mutated.
// Vocabulary: ../shared/design/VERIFICATION.md ("IOMMU platforms", "The reference platform").

import type { PciFunction } from '../pci/types.js';

/** IOMMU platform ids (VERIFICATION.md "IOMMU platforms"). */
export const IOMMU_IDS = ['arm-smmu-v3', 'intel', 'intel-legacy', 'amd'] as const;
export type IommuId = (typeof IOMMU_IDS)[number];

/** Hardware/firmware features the vendor drivers consult. Defaults: all capable. */
export interface IommuFeatures {
  /** SMMUv3 IDR0.ATS (ARM_SMMU_FEAT_ATS) — R5.1. */
  readonly smmuAts: boolean;
  /** IORT root-complex ATS attribute / DT "ats-supported" (IOMMU_FWSPEC_PCI_RC_ATS) — R5.1. */
  readonly rcAts: boolean;
  /** SMMUv3 stage 1 (IDR0.S1P) — A1 fallback when false. */
  readonly s1: boolean;
  /** SMMUv3 SSID bits (IDR1.SSIDSIZE); 0 disables always-on (A1). */
  readonly ssidBits: number;
  /** SMMUv3 log2 of the smallest page size (STU for pci_prepare_ats / pci_enable_ats). */
  readonly smmuPageShift: number;
  /** VT-d ECAP.DT (Device-TLB) — R5.11. */
  readonly intelDeviceTlb: boolean;
  /** Device covered by a DMAR ATSR/SATC unit (dmar_ats_supported) — R5.11. */
  readonly intelAtsr: boolean;
  /** AMD IVRS IOTLB support (amd_iommu_iotlb_sup) — R5.17. */
  readonly amdIotlb: boolean;
  /** VT-d CAP.CM (Caching Mode: a virtualised VT-d, QEMU `caching-mode=on`) — R4.4a: the driver
   * calls iommu_set_dma_strict() (mainline: unless first-stage tables are the default). */
  readonly intelCachingMode: boolean;
  /** VT-d ECAP.FLTS (first-stage translation; QEMU 7.2 has none) — mainline
   * first_level_by_default() in scalable mode. */
  readonly intelFlts: boolean;
  /** AMD-Vi IOMMU_CAP_NPCACHE (a virtualised AMD IOMMU, QEMU's amd-iommu sets it) — R4.4a. */
  readonly amdNpCache: boolean;
  /** AMD EFR GT and PPR (amd_iommu_gt_ppr_supported()) — mainline records ATS/PASID/PRI
   * support (pdev_get_caps) only then (R5.21). QEMU 7.2's amd-iommu has neither. */
  readonly amdGtPpr: boolean;
  /** AMD SEV-SNP host (amd_iommu_snp_en): amd_iommu_def_domain_type gives no IDENTITY (R5.21). */
  readonly amdSnp: boolean;
  /** The IOMMU's firmware description requests ACS (pci_request_acs) only after the PCI bus scan
   * (device tree: of_iommu_configure at dma_configure), so pci_std_enable_acs never ran on
   * boot-time devices: ACS Control stays as the device came up. Observed on an arm64 DT guest
   * (issue 12). Default false: x86 (DMAR/IVRS detection) and ACPI IORT request it first. */
  readonly lateAcsRequest: boolean;
}

/** Kernel command line, parsed (R1.1, R4.2). `undefined` = not given (build default). */
export interface Cmdline {
  readonly raw: string;
  readonly passthrough?: boolean; // iommu.passthrough=0|1, iommu=pt
  readonly strict?: boolean; // iommu.strict=0|1
  readonly noats: boolean; // pci=noats
}

/** What the driver tells the driver core about DMA (R4.23; D9 enum). In mainline only
 * `normal` (driver_managed_dma = false) versus the rest (true) matters. */
export type DriverDmaMode = 'normal' | 'manual' | 'no-dma' | 'msi-only';

export interface DriverDesc {
  readonly name: string; // 'pcieport', 'vfio-pci', 'cxl_accel', ...
  readonly dmaMode: DriverDmaMode;
  readonly usesMsi: boolean;
  /** ops->def_domain_type-style preference of this device (R4.5), if any. */
  readonly defDomainType?: 'identity' | 'dma';
}

export type ReservedRegionType = 'direct' | 'direct-relaxable' | 'reserved' | 'msi' | 'sw-msi';

export interface ReservedRegion {
  readonly type: ReservedRegionType;
  readonly base: bigint;
  readonly size: bigint;
  readonly note?: string;
}

export interface DeviceDesc {
  /** Stable short name used in events and output ('rp-cxl', 'cxl-accel'). */
  readonly name: string;
  /** "DDDD:BB:DD.F" or "BB:DD.F". */
  readonly bdf: string;
  /** Upstream bridge (by name); null for functions on the root bus (root ports, RCiEPs). */
  readonly parent: string | null;
  /** Decoded config space (real dump or built from a capability list). */
  readonly config: PciFunction;
  /** For a VF: its PF (by name). VFs appear only while the PF's driver is bound. */
  readonly physfn?: string;
  /** Firmware "ExternalFacingPort" on a root port (R2.1). */
  readonly externalFacing: boolean;
  /** Set on a bridge: it carries the usb4-host-interface firmware reference, so devices directly
   * below it are tunneled (R2.3a, pcie_has_usb4_host_interface(bridge)). The kernel model also
   * accepts it on the device below (the original wording: "upstream bridge carries ..."). */
  readonly usb4HostInterface?: boolean;
  /** pasid_no_tlp quirk (R1.26 step 3). */
  readonly pasidNoTlp?: boolean;
  /** DMA alias of another device (R3.2/R3.4), by name. */
  readonly dmaAliasOf?: string;
  readonly reservedRegions: readonly ReservedRegion[];
  /** The device's own kernel driver (null: none; may be 'vfio-pci'). */
  readonly driver: DriverDesc | null;
}

export interface Platform {
  readonly name: string;
  readonly iommu: IommuId;
  readonly features: IommuFeatures;
  readonly cmdline: Cmdline;
  /** Confidential-compute guest (CC_ATTR_MEM_ENCRYPT; R4.3, D11). */
  readonly ccGuest: boolean;
  /** Devices in enumeration order (parents before children). */
  readonly devices: readonly DeviceDesc[];
}

export const DEFAULT_FEATURES: IommuFeatures = {
  smmuAts: true,
  rcAts: true,
  s1: true,
  ssidBits: 20,
  smmuPageShift: 12,
  intelDeviceTlb: true,
  intelAtsr: true,
  amdIotlb: true,
  intelCachingMode: false,
  intelFlts: true,
  amdNpCache: false,
  amdGtPpr: true,
  amdSnp: false,
  lateAcsRequest: false,
};

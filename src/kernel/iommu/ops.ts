// The one interface between the IOMMU core model and a vendor driver model, shaped after
// struct iommu_ops / struct iommu_domain_ops (include/linux/iommu.h; STYLE.md §1). Vendors
// are reached only through `iommuOps(tx)` (registry.ts) and never import each other.
import type { IommuId } from '../platform.js';
import type { DevInfo } from '../platform-index.js';
import type { DevState } from '../state.js';
import type { DomainKind, KReturn } from '../types.js';
import { dev, grp, info, type Tx } from '../tx.js';
import type { Platform } from '../platform.js';
import type { Variant } from '../variants.js';
import type { Profile } from '../profiles.js';

/** What a derived-view question needs: one device's state and its group's current domain. */
export interface DevView {
  readonly p: Platform;
  readonly v: Variant;
  readonly prof: Profile;
  readonly info: DevInfo;
  readonly d: DevState;
  readonly domain: DomainKind | null;
}

export interface IommuOps {
  readonly id: IommuId | 'mock';
  /** ops->blocked_domain exists (static BLOCKED; R4.15). Before it (6.1 profile) the core
   * falls back to an empty paging domain. */
  hasBlockedDomain(prof: Profile): boolean;
  /** ops->identity_domain (static IDENTITY; R4.17: no cookie). */
  readonly hasIdentityDomain: boolean;
  /** ops->probe_device: probe-time PASID/ATS work (R5.2, A1, R5.11, R5.13, R5.16). */
  probeDevice(tx: Tx, name: string): KReturn;
  /** D1 opt-in: re-run the probe-time ATS decision (not PASID) before the core re-attaches. */
  reprobeAts(tx: Tx, name: string): void;
  /** Would attach_dev refuse this domain? (run for every member before the group switches). */
  attachCheck(tx: Tx, name: string, dom: DomainKind): KReturn;
  /** domain->ops->attach_dev for the RID (R5.3–R5.7, R5.13–R5.14, R5.18–R5.19). */
  attachDev(tx: Tx, name: string, dom: DomainKind): void;
  /** domain->ops->set_dev_pasid after the core recorded the PASID (R5.6, R4.32). */
  setDevPasid(tx: Tx, name: string): KReturn;
  /** blocked set_dev_pasid / remove_dev_pasid after the core dropped the PASID (R4.32a, R5.6, A5). */
  removeDevPasid(tx: Tx, name: string): void;
  /** ops->release_device (R4.14, R5.8, R5.13, R5.19). */
  releaseDevice(tx: Tx, name: string): void;
  /** The vendor's ATS decision input (arm_smmu_ats_supported, info->ats_supported, ...). */
  atsSupported(x: DevView): boolean;
  /** Derived, never stored: the IOMMU accepts the device's Translated requests now. */
  translatedAccepted(x: DevView): boolean;
  /** ops->def_domain_type (R4.5), where the vendor has one the model follows (AMD R5.21). */
  defDomainType?(tx: Tx, name: string): 'identity' | 'dma' | null;
  /** iommu_attach_device_pasid's first test: the domain a PASID would be attached with has
   * domain->ops->set_dev_pasid (-EOPNOTSUPP otherwise; AMD: only the SVA domain has it). */
  pasidDomainCheck?(tx: Tx, name: string): KReturn;
}

/** Paging domains (page table behind the RID; __IOMMU_DOMAIN_PAGING). */
export function isPaging(k: DomainKind): boolean {
  return k !== 'none' && k !== 'blocked' && k !== 'identity';
}

/** The thread's new domains that carry "do not enable ATS" (D5 RMR blocking, D7b flag, D8):
 * every IOMMU honours the flag (VERIFICATION "Semantics": new code honours new flags). */
export function isNoAtsDomain(k: DomainKind): boolean {
  return k === 'empty-dma-no-ats' || k === 'msi-only' || k === 'rmr-blocking';
}

/** Domains whose cookie maps an MSI doorbell on demand (R4.33: DMA_IOVA, DMA_MSI, IOMMUFD). */
export function hasMsiCookie(k: DomainKind): boolean {
  return (
    k === 'dma' || k === 'dma-fq' || k === 'empty-dma' || k === 'empty-dma-no-ats' || k === 'msi-only' || k === 'rmr-blocking' || k === 'unmanaged' || k === 'nested'
  );
}

/** Default-domain kinds (R4.10). */
export function isDefaultKind(k: DomainKind | null): boolean {
  return k === 'identity' || k === 'dma' || k === 'dma-fq';
}

/** D1 (cxl-ats-opt-in): a CXL.cache device is "not ATS-supported" for every IOMMU until
 * userspace opts it in (Dan Williams / Kevin Tian, Jan 21–22). Untrusted stays excluded (R1.4). */
export function atsPolicyAllows(v: Variant, info: DevInfo, d: DevState): boolean {
  // device facts before the variant flag (pure; see parking.ts lockedOff for why the order)
  return !(info.cxlCache && !d.optedIn && v.cxlAtsOptIn);
}

/** D2 (Jason, Jan 27/28): BLOCKED with no PASID attached ⇒ ATS off, Translated rejected. */
export function d2ForcesOff(v: Variant, dom: DomainKind | null, d: DevState): boolean {
  // state before the variant flag (pure; see parking.ts lockedOff for why the order)
  return dom === 'blocked' && !d.pasid && v.d2BlockedMeansNoAts;
}

/** The DevView of `name` inside a step. */
export function viewOf(tx: Tx, name: string): DevView {
  const d = dev(tx, name);
  return { p: tx.p, v: tx.v, prof: tx.prof, info: info(tx, name), d, domain: d.probeErr === null ? grp(tx, name).domain : null };
}

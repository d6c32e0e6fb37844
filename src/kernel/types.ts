// The kernel model's public contract: events, the step function's shape, and the
// observation every consumer (simulator, verifier, CLI, web) reads. Vocabulary and
// semantics: ../shared/design/VERIFICATION.md ("Events", "Semantics the verdicts depend on").
//
// State (KState) is plain immutable data owned by src/kernel; consumers treat it as opaque
// and use `observe` and `stateKey`. Hardware consequences are derived by `observe`, never
// stored twice.

import type { Platform } from './platform.js';
import type { Variant } from './variants.js';
import { InputError } from '../util/errors.js';
import { didYouMean } from '../util/suggest.js';

export const EVENT_KINDS = [
  'probe',
  'remove',
  'accept',
  'opt-in',
  'bind',
  'unbind',
  'vfio-bind',
  'vfio-unbind',
  'vfio-attach',
  'vfio-detach',
  'pasid-attach',
  'pasid-detach',
  'guest-eats',
  // issue 12: finer events for scenarios and `dmagate qemu` (not offered by `enabled`, see enabled.ts)
  'vfio-claim',
  'vfio-set-iommu',
  'group-type',
  'reset',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export interface KEvent {
  readonly kind: EventKind;
  /** Device name from the platform. */
  readonly dev: string;
  /** Only for guest-eats(d, on|off). */
  readonly on?: boolean;
  /** Only for group-type(d, identity|dma|dma-fq|auto): what is written to the group's sysfs `type`. */
  readonly type?: GroupTypeRequest;
}

/** The values `/sys/kernel/iommu_groups/N/type` accepts (iommu_group_store_type), lower-cased. */
export const GROUP_TYPE_REQUESTS = ['identity', 'dma', 'dma-fq', 'auto'] as const;
export type GroupTypeRequest = (typeof GROUP_TYPE_REQUESTS)[number];

/** Linux errno names the model returns (as data, never thrown). */
export type Errno = 'EINVAL' | 'EBUSY' | 'EPERM' | 'ENODEV' | 'EOPNOTSUPP' | 'EPROBE_DEFER' | 'ENOSPC' | 'EEXIST';

export type KReturn = { readonly ok: true } | { readonly ok: false; readonly errno: Errno; readonly why: string };

/** One thing the kernel did: a function called and what it returned / wrote. */
export interface TraceEntry {
  /** Kernel function, e.g. 'pci_enable_ats', 'arm_smmu_attach_dev', '__iommu_take_dma_ownership'. */
  readonly fn: string;
  readonly dev?: string;
  /** Rule id from the reference (R1.14, A3, D4, ...). */
  readonly rule?: string;
  /** Free text: arguments, register writes, return code, WARN. */
  readonly detail: string;
}

export interface StepResult<S> {
  readonly state: S;
  readonly trace: readonly TraceEntry[];
  readonly ret: KReturn;
}

/** Domain kinds as observed on a RID (include/linux/iommu.h types plus the thread's new ones). */
export type DomainKind =
  | 'none' // not probed / no domain attached
  | 'blocked' // IOMMU_DOMAIN_BLOCKED (static ops->blocked_domain)
  | 'empty-paging' // core fallback blocking domain when the driver has none (R4.15; 6.1 profile)
  | 'identity'
  | 'dma' // IOMMU_DOMAIN_DMA (strict)
  | 'dma-fq' // IOMMU_DOMAIN_DMA_FQ (lazy)
  | 'empty-dma' // D7b parking domain
  | 'empty-dma-no-ats' // D7b with the "disable ATS" flag
  | 'msi-only' // D8
  | 'rmr-blocking' // D5 "RMR blocking domain"
  | 'unmanaged' // VFIO/iommufd user paging domain
  | 'nested'; // SMMUv3 nested (vSTE over S2)

/** What untranslated DMA from the device can reach, from least to most. */
export type Reach = 'none' | 'msi-doorbell' | 'reserved' | 'mapped' | 'all';
export const REACH_ORDER: readonly Reach[] = ['none', 'msi-doorbell', 'reserved', 'mapped', 'all'];

/** MSI of the bound driver: 'n/a' when no bound driver uses MSI. 'failed' = vector
 * allocation refused (e.g. prepare_msi -EOPNOTSUPP in BLOCKED); 'lost' = set up, but the
 * doorbell is no longer mapped in the current domain (R4.34, R6.4). */
export type MsiState = 'n/a' | 'works' | 'failed' | 'lost';

export interface DeviceObs {
  readonly name: string;
  readonly present: boolean;
  readonly accepted: boolean;
  readonly optedIn: boolean;
  readonly untrusted: boolean;
  readonly isBridge: boolean;
  readonly isVf: boolean;
  readonly requireDirect: boolean;
  readonly cxlCache: boolean; // CXL DVSEC Cache_Capable (of the PF for a VF, P3)
  /** Bound driver name (null: none) and its DMA mode as the model applies it. */
  readonly driver: string | null;
  readonly dmaMode: 'normal' | 'manual' | 'no-dma' | 'msi-only' | null;
  readonly usesMsi: boolean;
  readonly group: string | null;
  readonly domain: DomainKind;
  readonly groupOwned: boolean; // DMA ownership claimed (VFIO)
  readonly pasidsAttached: number;
  readonly pciPasidEnabled: boolean;
  /** PCI ATS Enable at the device (and the STU programmed, as a page shift). */
  readonly atsEnabled: boolean;
  readonly stu: number | null;
  /** The IOMMU accepts the device's Translated requests (EATS / DTE / DTE.I ...). */
  readonly translatedAccepted: boolean;
  readonly untranslated: Reach;
  /** The device can reach its require_direct / RMR ranges now. */
  readonly rmrReachable: boolean;
  readonly msi: MsiState;
  /** A CXL.cache request can obtain a host physical address (ATS on and Translated accepted). */
  readonly cxlHpa: boolean;
}

export interface Observation {
  readonly devices: Readonly<Record<string, DeviceObs>>;
}

/** The model as one object, so the verifier and the simulator call the very same functions. */
export interface KernelModel<S> {
  /** Boot: IOMMU up, nothing enumerated yet. */
  init(p: Platform, v: Variant): S;
  /** Events whose world-level preconditions hold (VERIFICATION.md "Semantics"): e.g. a
   * device is probed only after its upstream port; a VF only while its PF's driver is
   * bound. Events the kernel would refuse are still enabled: the refusal is an outcome.
   * `codes`, when given, is s's code vector (state.ts stateCodes) at 0, which the packed
   * explorer already holds: a hint that spares the kernel's cache computing it (the answer
   * is the same without it; a wrapper that drops it is only slower). */
  enabled(p: Platform, v: Variant, s: S, codes?: Int32Array): KEvent[];
  step(p: Platform, v: Variant, s: S, e: KEvent): StepResult<S>;
  observe(p: Platform, v: Variant, s: S): Observation;
  /** Canonical key: equal keys ⇔ equal states. */
  key(s: S): string;
}

export function formatEvent(e: KEvent): string {
  if (e.kind === 'guest-eats') return `guest-eats(${e.dev},${e.on ? 'on' : 'off'})`;
  if (e.kind === 'group-type') return `group-type(${e.dev},${e.type ?? 'auto'})`;
  return `${e.kind}(${e.dev})`;
}

/** Parses "bind(cxl-accel)" / "guest-eats(gpu,on)" / "group-type(nic,identity)". Throws InputError
 * with a readable message (and a did-you-mean for the kind). */
export function parseEvent(text: string): KEvent {
  const m = /^\s*([a-z0-9-]+)\(\s*([A-Za-z0-9_.:-]+)\s*(?:,\s*([A-Za-z-]+)\s*)?\)\s*$/.exec(text);
  if (!m) throw new InputError(`bad event "${text}": expected kind(device) such as bind(cxl-accel)`);
  const kind = m[1] as EventKind;
  if (!(EVENT_KINDS as readonly string[]).includes(kind)) {
    throw new InputError(`bad event "${text}": unknown kind "${m[1]}"${didYouMean(m[1], EVENT_KINDS)} (known: ${EVENT_KINDS.join(', ')})`);
  }
  if (kind === 'guest-eats') {
    if (m[3] !== 'on' && m[3] !== 'off') throw new InputError(`bad event "${text}": guest-eats takes (device,on|off)`);
    return { kind, dev: m[2], on: m[3] === 'on' };
  }
  if (kind === 'group-type') {
    const t = m[3]?.toLowerCase();
    if (t === undefined || !(GROUP_TYPE_REQUESTS as readonly string[]).includes(t)) {
      throw new InputError(`bad event "${text}": group-type takes (device,${GROUP_TYPE_REQUESTS.join('|')})`);
    }
    return { kind, dev: m[2], type: t as GroupTypeRequest };
  }
  if (m[3] !== undefined) throw new InputError(`bad event "${text}": only guest-eats and group-type take a second argument`);
  return { kind, dev: m[2] };
}

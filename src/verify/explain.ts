// One-line explanations of violated cells, keyed by (invariant, variant feature, vendor),
// each citing the message or rule it comes from. The first matching row wins; rows go
// from specific to general. A violation no row explains is shown with its detail.

import type { KEvent } from '../kernel/types.js';
import type { Variant } from '../kernel/variants.js';
import type { IommuId } from '../kernel/platform.js';
import type { DevFacts, InvariantId } from './types.js';

export interface ExplainRow {
  readonly invariant: InvariantId;
  /** The variant feature the row is about (matched on the parsed variant). */
  readonly feature: (v: Variant, ccGuest: boolean, passthrough: boolean) => boolean;
  /** Vendors it applies to; undefined = every vendor. */
  readonly vendors?: readonly IommuId[];
  /** Optional: an event kind the counterexample must contain. */
  readonly traceHas?: KEvent['kind'];
  /** Optional: what the offending device must be. */
  readonly dev?: (d: DevFacts) => boolean;
  readonly text: string;
}

const any = (): boolean => true;
const ARM: readonly IommuId[] = ['arm-smmu-v3'];
const X86: readonly IommuId[] = ['intel', 'intel-legacy', 'amd'];
const parked = (v: Variant) => v.bootDmaSecurity;
const rd = (d: DevFacts) => d.requireDirect;
const bridge = (d: DevFacts) => d.isBridge;

export const EXPLANATIONS: readonly ExplainRow[] = [
  // sec.untrusted-no-ats
  { invariant: 'sec.untrusted-no-ats', feature: any, text: 'an untrusted device got ATS, against pci_ats_supported (R1.4) — Baolu, Jan 22' },
  // sec.blocked-means-no-translated(-strict)
  { invariant: 'sec.blocked-means-no-translated', feature: any, vendors: ['intel'], text: 'VT-d scalable keeps ATS on from probe to release, BLOCKED included (R5.13) — D2 vendor gap, Jason Jan 27' },
  { invariant: 'sec.blocked-means-no-translated', feature: (v) => v.atsAlwaysOn, vendors: ARM, traceHas: 'pasid-detach', text: "ats-always-on keeps ATS after the last PASID leaves a BLOCKED RID: the patch skips the STE downgrade in arm_smmu_blocking_set_dev_pasid for always-on masters whatever the RID domain (A5), so a RID that was BLOCKED while a PASID was attached stays CD-table + EATS=1; A4 only covers attach — D2, Jason Jan 27/28" },
  { invariant: 'sec.blocked-means-no-translated', feature: any, text: 'ATS stays on while the RID is BLOCKED without PASIDs — D2, Jason Jan 27/28' },
  { invariant: 'sec.blocked-means-no-translated-strict', feature: any, vendors: ['intel'], text: 'VT-d scalable keeps ATS on from probe to release, BLOCKED included (R5.13) — D2, Jason Jan 27' },
  { invariant: 'sec.blocked-means-no-translated-strict', feature: any, traceHas: 'pasid-attach', text: 'BLOCKED with a PASID attached keeps ATS for the PASID (R5.5); the strict reading forbids it — Kevin/Jason, Jan 28' },
  { invariant: 'sec.blocked-means-no-translated-strict', feature: any, text: 'ATS stays on while the RID is BLOCKED — D2 read strictly, Jason Jan 27/28' },
  // sec.unaccepted-no-dma
  { invariant: 'sec.unaccepted-no-dma', feature: (v) => !v.bootDmaSecurity, text: 'no boot DMA security: the default domain is attached at probe, before userspace accepts — D3, Jason Jan 22' },
  { invariant: 'sec.unaccepted-no-dma', feature: (v) => v.park === 'empty-dma', text: 'an empty DMA domain does not block ATS: Translated requests pass before accept — D7b, Jason Feb 19/20' },
  { invariant: 'sec.unaccepted-no-dma', feature: (v) => v.bootDmaSecurity && !v.d2BlockedMeansNoAts, vendors: ['intel'], dev: (d) => !d.requireDirect && !d.isBridge, text: 'VT-d scalable enables ATS at probe and keeps it in BLOCKED (R5.13): a parked device still has Translated requests accepted — D3 needs D2, Jason Jan 27' },
  { invariant: 'sec.unaccepted-no-dma', feature: (v) => v.rmr === 'keep-direct', dev: rd, text: 'rmr=keep-direct leaves the require_direct device in its default domain before accept — D5, Jason Feb 3' },
  { invariant: 'sec.unaccepted-no-dma', feature: parked, traceHas: 'vfio-attach', text: 'VFIO attaches a user domain to an accepted member, taking an unaccepted group member with it (R6.2) — D3/D10, Jason Jan 22, Feb 26' },
  { invariant: 'sec.unaccepted-no-dma', feature: (v) => v.park === 'blocked-except-bridges', dev: (d) => !d.requireDirect, text: "a bridge's group is left unparked, so its endpoints (fpga) reach memory before accept — D4/D6, Nicolin Feb 18" },
  { invariant: 'sec.unaccepted-no-dma', feature: parked, text: 'a parked device reaches memory before accept — D3/D4, Jason Jan 22, Nicolin Feb 3' },
  { invariant: 'sec.unaccepted-no-dma-strict', feature: (v) => !v.bootDmaSecurity, text: 'no boot DMA security: every device, bridges included, gets its default domain at probe — D3, Jason Jan 22' },
  { invariant: 'sec.unaccepted-no-dma-strict', feature: (v) => v.park === 'blocked-except-bridges', dev: bridge, text: 'bridges are left unparked; the DRTM reading counts them — D6, Nicolin Feb 18; Jason Feb 3' },
  { invariant: 'sec.unaccepted-no-dma-strict', feature: (v) => v.bootDmaSecurity && !v.d2BlockedMeansNoAts, vendors: ['intel'], dev: (d) => !d.requireDirect && !d.isBridge, text: 'VT-d scalable keeps ATS on in BLOCKED (R5.13): a parked device still has Translated requests accepted — D3 needs D2, Jason Jan 27' },
  { invariant: 'sec.unaccepted-no-dma-strict', feature: parked, dev: bridge, traceHas: 'vfio-attach', text: "VFIO moves the unaccepted bridge's group into a user domain: the DRTM reading counts the bridge — D3/D10, Jason Feb 3/26" },
  { invariant: 'sec.unaccepted-no-dma-strict', feature: (v) => v.rmr === 'keep-direct' || v.rmr === 'blocking-domain', dev: rd, text: 'RMR ranges stay reachable before accept; "RMR has to be ignored in this more secure mode" — D5, Jason Feb 3' },
  { invariant: 'sec.unaccepted-no-dma-strict', feature: (v) => v.park === 'empty-dma', text: 'an empty DMA domain does not block ATS — D7b, Jason Feb 19/20' },
  { invariant: 'sec.unaccepted-no-dma-strict', feature: parked, text: 'a parked device reaches memory before accept (DRTM reading) — D3/D5, Jason Feb 3' },
  // sec.no-hypervisor-escape
  { invariant: 'sec.no-hypervisor-escape', feature: (v) => v.ccVmLockOff && !v.d2BlockedMeansNoAts, vendors: ['intel'], text: 'cc-vm-lock-off locks the device in BLOCKED, but VT-d scalable keeps ATS on there (R5.13): Translated requests pass — D11 needs D2 (Jason, Jan 27)' },
  { invariant: 'sec.no-hypervisor-escape', feature: (v) => v.rmr === 'blocking-domain', text: 'the RMR blocking domain maps the hypervisor-given ranges before accept — D11 vs D5, Jason Feb 3' },
  { invariant: 'sec.no-hypervisor-escape', feature: (v) => !v.ccVmLockOff, text: 'a hypervisor-given require_direct opens a direct DMA path; needs cc-vm-lock-off — D11, Jason Feb 3 ("lock off to failure")' },
  { invariant: 'sec.no-hypervisor-escape', feature: any, text: 'require_direct opens a DMA path in a CC guest before accept — D11, Jason Feb 3' },
  // sec.cxl-ats-needs-opt-in
  { invariant: 'sec.cxl-ats-needs-opt-in', feature: any, vendors: ['intel'], text: 'VT-d scalable enables ATS at probe, before any opt-in (R5.11) — D1, Dan Jan 22' },
  { invariant: 'sec.cxl-ats-needs-opt-in', feature: any, text: 'ATS for a CXL.cache device before the opt-in — D1, Dan/Kevin Jan 21–22' },
  // fun.cxl-cache-works
  { invariant: 'fun.cxl-cache-works', feature: (v, _c, pt) => !v.atsAlwaysOn && pt, vendors: ARM, text: 'SMMUv3 IDENTITY is a plain bypass STE: ATS off, no HPA (R5.4, golden 15) — the bug the RFC fixes, Nicolin Jan 17' },
  { invariant: 'fun.cxl-cache-works', feature: (_v, _c, pt) => pt, vendors: ['intel-legacy'], text: 'VT-d legacy IDENTITY is pass-through: no Device-TLB, no HPA (R5.14); the RFC changes only SMMUv3 (§8)' },
  { invariant: 'fun.cxl-cache-works', feature: (v) => v.atsAlwaysOn, vendors: ['intel-legacy', 'amd', 'intel'], text: 'ats-always-on is consumed by SMMUv3 only; this vendor keeps its own ATS rule (§8) — Yi Liu/Jason, v4' },
  { invariant: 'fun.cxl-cache-works', feature: any, text: 'a ready CXL.cache device cannot obtain host physical addresses — CXL r4.0 3.2.5.13, Nicolin Jan 17' },
  // fun.msi-works
  { invariant: 'fun.msi-works', feature: any, vendors: ARM, traceHas: 'vfio-bind', text: "a VFIO claim moves the pcieport's group to BLOCKED/user domain: AER/PME MSI lost on ARM (R6.4) — D10, Jason Feb 20/26" },
  { invariant: 'fun.msi-works', feature: (v) => v.park === 'blocked' && !v.dmaModeEnum, vendors: ARM, text: 'park=blocked breaks pcieport MSI on ARM (prepare_msi on BLOCKED, R4.33) — D6, Nicolin Feb 18' },
  { invariant: 'fun.msi-works', feature: parked, vendors: ARM, text: 'a bound driver is left in a parking domain without an MSI doorbell on ARM — D6/D7, Nicolin Feb 18, Jason Feb 19' },
  { invariant: 'fun.msi-works', feature: any, vendors: ARM, text: 'MSI set up in another domain stops working on ARM (R4.33/R6.4) — D6, Nicolin Feb 18' },
  { invariant: 'fun.msi-works', feature: any, vendors: X86, text: 'MSI fails on x86 although delivery does not depend on the domain there (interrupt remapping; golden 32: "on x86 no loss") — check the trace' },
  // fun.no-silent-msi-loss
  { invariant: 'fun.no-silent-msi-loss', feature: any, vendors: ARM, text: "VFIO claiming a group member silently breaks the pcieport's MSI on ARM; dma-mode-enum refuses the claim — D10, Jason Feb 20/26" },
  { invariant: 'fun.no-silent-msi-loss', feature: any, text: "a domain change for one member silently broke another member's MSI — D10, Jason Feb 20/26" },
  // fun.rmr-preserved
  { invariant: 'fun.rmr-preserved', feature: (v) => v.rmr === 'ignore', text: "rmr=ignore parks the require_direct device like any other: its RMR is cut — D5, Robin Feb 3 (\"the access must be kept\")" },
  { invariant: 'fun.rmr-preserved', feature: any, text: 'a require_direct device lost its reserved regions — D5, Robin Feb 3' },
  // fun.pasid-survives-rid-block
  { invariant: 'fun.pasid-survives-rid-block', feature: any, vendors: ['amd'], text: 'AMD-Vi BLOCKED clears the DTE: ATS/PASID off under attached PASIDs (R5.19) — Kevin, Jan 28' },
  { invariant: 'fun.pasid-survives-rid-block', feature: (v) => v.d2BlockedMeansNoAts, text: 'D2 turns ATS off in BLOCKED although PASIDs are attached — Kevin Jan 28 vs Jason Jan 28 (track PASID use)' },
  { invariant: 'fun.pasid-survives-rid-block', feature: any, text: 'active PASIDs stop working while the RID is BLOCKED — Kevin, Jan 28' },
  // fun.accepted-binds
  { invariant: 'fun.accepted-binds', feature: any, text: 'an accepted device was refused with an undocumented error (R4.24, R6.2) — D3 step 5, Jason Jan 22' },
  // adv.identity-without-ats
  { invariant: 'adv.identity-without-ats', feature: any, vendors: ['amd'], text: 'AMD-Vi enables ATS at IDENTITY attach (R5.18); Jason recommends not — Jan 27' },
  { invariant: 'adv.identity-without-ats', feature: any, vendors: ['intel'], text: 'VT-d scalable enables ATS at probe, IDENTITY included (R5.11) — Jason, Jan 27' },
  { invariant: 'adv.identity-without-ats', feature: any, text: 'IDENTITY with ATS on and no PASIDs — Jason, Jan 27: "recommend not for performance and consistency"' },
];

export function explain(
  invariant: string,
  cell: { readonly iommu: IommuId; readonly passthrough: boolean; readonly ccGuest: boolean; readonly variant: Variant },
  trace: readonly KEvent[] | undefined,
  device?: DevFacts,
): string | null {
  for (const r of EXPLANATIONS) {
    if (r.invariant !== invariant) continue;
    if (r.vendors !== undefined && !r.vendors.includes(cell.iommu)) continue;
    if (!r.feature(cell.variant, cell.ccGuest, cell.passthrough)) continue;
    if (r.traceHas !== undefined && !(trace ?? []).some((e) => e.kind === r.traceHas)) continue;
    if (r.dev !== undefined && (device === undefined || !r.dev(device))) continue;
    return r.text;
  }
  return null;
}

// Shared predicates of the invariants, each a reading of VERIFICATION.md "Semantics the
// verdicts depend on". They look at the platform description and the observation only,
// never at the model's internals, so an invariant cannot inherit a model bug.

import type { DeviceObs, DomainKind, Observation, Reach } from '../../kernel/types.js';
import { REACH_ORDER } from '../../kernel/types.js';
import { ATS_ALWAYS_ON_QUIRKS } from '../../kernel/pci/always-on.js';
import type { Check, Ctx, PerDevice } from '../types.js';
import { PREMISE_OK, VACUOUS } from '../types.js';

/** Quantifies over present devices: premise = some device matches `about`; ok = every such
 * device satisfies `good`; detail names the first that does not (in the model's order). */
export function forDevices(
  obs: Observation,
  about: (d: DeviceObs) => boolean,
  good: (d: DeviceObs) => string | null,
): Check {
  let premise = false;
  // The model's (deterministic) device order: platform order (`for … in` walks the order of
  // Object.values, own keys, without building the array).
  for (const name in obs.devices) {
    const d = obs.devices[name];
    if (!d.present || !about(d)) continue;
    premise = true;
    const bad = good(d);
    if (bad !== null) return { premise: true, ok: false, detail: `${d.name}: ${bad}`, device: d.name };
  }
  return premise ? PREMISE_OK : VACUOUS;
}

/** A state invariant of the forDevices shape, from its per-device tests: `check` is forDevices
 * over them, and `perDevice` exposes them to the explorer (verify/device-checks.ts), which
 * evaluates them once per distinct DeviceObs object instead of once per state. */
export function perDevice(pd: PerDevice): { readonly perDevice: PerDevice; check(ctx: Ctx, obs: Observation): Check } {
  return {
    perDevice: pd,
    check: (ctx, obs) =>
      forDevices(
        obs,
        (d) => pd.about(ctx, d),
        (d) => pd.good(ctx, d),
      ),
  };
}

/** The group's blocking domain: IOMMU_DOMAIN_BLOCKED, or the core's empty paging fallback
 * that stands in for it when a driver has none (R4.15). */
export function isBlocked(dom: DomainKind): boolean {
  return dom === 'blocked' || dom === 'empty-paging';
}

export function reachAbove(r: Reach, limit: Reach): boolean {
  return REACH_ORDER.indexOf(r) > REACH_ORDER.indexOf(limit);
}

/** "ATS on" in the security sense: either fact is enough to be unsafe (Semantics: a
 * security invariant that says "no ATS" needs both off). */
export function atsAnyOn(d: DeviceObs): boolean {
  return d.atsEnabled || d.translatedAccepted;
}

export function atsWords(d: DeviceObs): string {
  return `PCI ATS Enable ${d.atsEnabled ? 'on' : 'off'}, Translated ${d.translatedAccepted ? 'accepted' : 'rejected'}`;
}

/** ATS-capable in the sense of pci_ats_supported plus the IOMMU's own gate (R1.2–R1.4,
 * R5.1, R5.11, R5.17): the device (a VF: itself, P2) has the capability, is trusted,
 * pci=noats is off, the IOMMU hardware supports ATS, and under cxl-ats-opt-in a CXL.cache
 * device counts only once opted in (Semantics, D1). */
export function atsCapable(ctx: Ctx, d: DeviceObs): boolean {
  const desc = ctx.desc.get(d.name);
  if (desc === undefined || desc.config.ats === undefined) return false;
  if (d.untrusted || ctx.p.cmdline.noats) return false;
  if (ctx.v.cxlAtsOptIn && d.cxlCache && !d.optedIn) return false;
  const f = ctx.p.features;
  switch (ctx.p.iommu) {
    case 'arm-smmu-v3':
      return f.smmuAts && f.rcAts;
    case 'intel':
      // R5.12: scalable mode never enables ATS without Page Aligned Request.
      return f.intelDeviceTlb && f.intelAtsr && desc.config.ats.pageAligned;
    case 'intel-legacy':
      return f.intelDeviceTlb && f.intelAtsr;
    case 'amd':
      return f.amdIotlb;
  }
}

/** The device is "always on" in the RFC's sense and the platform consumes it: SMMUv3 only
 * (§8), with stage 1 and SSIDs (A1), for a CXL.cache-capable device (P4/P5, a VF through
 * its PF: P3 — DeviceObs.cxlCache already is the PF's bit) or a quirked ID (P6). */
export function alwaysOn(ctx: Ctx, d: DeviceObs): boolean {
  if (!ctx.v.atsAlwaysOn || ctx.p.iommu !== 'arm-smmu-v3') return false;
  if (!ctx.p.features.s1 || ctx.p.features.ssidBits === 0) return false;
  if (!atsCapable(ctx, d)) return false;
  const desc = ctx.desc.get(d.name);
  const hdr = desc?.config.header;
  const quirk = hdr !== undefined && hdr !== null && ATS_ALWAYS_ON_QUIRKS.some((q) => q.vendor === hdr.vendorId && q.device === hdr.deviceId);
  return d.cxlCache || quirk;
}

/** Its own kernel driver (not vfio-pci, not some other driver) is bound. */
export function ownDriverBound(ctx: Ctx, d: DeviceObs): boolean {
  const own = ctx.desc.get(d.name)?.driver?.name;
  return d.driver !== null && d.driver !== 'vfio-pci' && (own === undefined || d.driver === own);
}

/** Accepted for the function invariants' premises: outside boot-dma-security `accept` has
 * no kernel effect (Semantics), so a device that was not accepted is, to the kernel, the
 * same as one that was; the model need not even offer the event there. The security
 * invariants keep the literal flag. */
export function effectivelyAccepted(ctx: Ctx, d: DeviceObs): boolean {
  return d.accepted || !ctx.v.bootDmaSecurity;
}

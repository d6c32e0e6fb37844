// Security invariants (sec.*) of VERIFICATION.md, each a predicate over one observation.
// "No ATS" means both PCI ATS Enable off and Translated requests rejected (Semantics).

import type { StateInvariant } from '../types.js';
import { APPLIES } from '../types.js';
import { atsAnyOn, atsWords, isBlocked, perDevice, reachAbove } from './helpers.js';

export const untrustedNoAts: StateInvariant = {
  id: 'sec.untrusted-no-ats',
  kind: 'state',
  statement: 'an untrusted device never has ATS enabled, and the IOMMU never accepts its Translated requests',
  source: 'R1.4, R2.6; Baolu, Jan 22',
  applies: () => APPLIES,
  ...perDevice({
    about: (_ctx, d) => d.untrusted,
    good: (_ctx, d) => (atsAnyOn(d) ? `untrusted, yet ${atsWords(d)}` : null),
  }),
};

export const blockedMeansNoTranslated: StateInvariant = {
  id: 'sec.blocked-means-no-translated',
  kind: 'state',
  statement: 'while the RID is in BLOCKED and no PASID is attached, ATS is off at the device and Translated requests are rejected',
  source: 'D2, Jason Jan 27/28',
  applies: () => APPLIES,
  ...perDevice({
    about: (_ctx, d) => isBlocked(d.domain) && d.pasidsAttached === 0,
    good: (_ctx, d) => (atsAnyOn(d) ? `RID in ${d.domain}, no PASID, yet ${atsWords(d)}` : null),
  }),
};

export const blockedMeansNoTranslatedStrict: StateInvariant = {
  id: 'sec.blocked-means-no-translated-strict',
  kind: 'state',
  statement: 'while the RID is in BLOCKED, ATS is off and Translated requests are rejected, even with PASIDs attached',
  source: 'D2 read strictly; conflicts with fun.pasid-survives-rid-block (Kevin, Jan 28)',
  applies: () => APPLIES,
  ...perDevice({
    about: (_ctx, d) => isBlocked(d.domain),
    good: (_ctx, d) => (atsAnyOn(d) ? `RID in ${d.domain} with ${d.pasidsAttached} PASID(s), yet ${atsWords(d)}` : null),
  }),
};

export const unacceptedNoDma: StateInvariant = {
  id: 'sec.unaccepted-no-dma',
  kind: 'state',
  statement:
    'before userspace accepts an endpoint it reaches no OS memory: nothing untranslated beyond an MSI doorbell (RMR ranges are not OS memory), no Translated request accepted',
  source: 'D3 (Jason, Jan 22; Dan: "the shields were not lowered prematurely")',
  applies: () => APPLIES,
  // Bridges are not DMA masters here (pcieport does no DMA); 'reserved' = RMR ranges only.
  ...perDevice({
    about: (_ctx, d) => !d.accepted && !d.isBridge,
    good: (_ctx, d) => {
      if (reachAbove(d.untranslated, 'reserved')) return `not accepted, untranslated DMA reaches '${d.untranslated}' (domain ${d.domain})`;
      if (d.translatedAccepted) return `not accepted, Translated requests accepted (domain ${d.domain})`;
      return null;
    },
  }),
};

export const unacceptedNoDmaStrict: StateInvariant = {
  id: 'sec.unaccepted-no-dma-strict',
  kind: 'state',
  statement: 'the same as sec.unaccepted-no-dma, where RMR ranges count as reachable memory and bridges count as devices',
  source: 'D3 with DRTM reading; Jason, Feb 3: "RMR has to be ignored in this more secure mode"',
  applies: () => APPLIES,
  ...perDevice({
    about: (_ctx, d) => !d.accepted,
    good: (_ctx, d) => {
      const what = d.isBridge ? 'bridge' : 'endpoint';
      if (reachAbove(d.untranslated, 'msi-doorbell')) return `${what} not accepted, untranslated DMA reaches '${d.untranslated}' (domain ${d.domain})`;
      if (d.rmrReachable) return `${what} not accepted, its RMR ranges are reachable (domain ${d.domain})`;
      if (d.translatedAccepted) return `${what} not accepted, Translated requests accepted (domain ${d.domain})`;
      return null;
    },
  }),
};

export const noHypervisorEscape: StateInvariant = {
  id: 'sec.no-hypervisor-escape',
  kind: 'state',
  statement: 'in a CC guest, require_direct never opens a DMA path for an unaccepted device',
  source: 'D11, D5 (Jason, Feb 3: "lock off to failure")',
  applies: (p) => (p.ccGuest ? APPLIES : { applies: false, why: 'bare metal: require_direct comes from firmware, not from an untrusted hypervisor (D5/D11)' }),
  ...perDevice({
    about: (_ctx, d) => d.requireDirect && !d.accepted,
    good: (_ctx, d) => {
      if (d.rmrReachable) return `hypervisor-given require_direct ranges reachable before accept (domain ${d.domain})`;
      if (reachAbove(d.untranslated, 'msi-doorbell')) return `untranslated DMA reaches '${d.untranslated}' before accept (domain ${d.domain})`;
      if (d.translatedAccepted) return `Translated requests accepted before accept (domain ${d.domain})`;
      return null;
    },
  }),
};

export const cxlAtsNeedsOptIn: StateInvariant = {
  id: 'sec.cxl-ats-needs-opt-in',
  kind: 'state',
  statement: 'under D1, no ATS for a CXL.cache device before userspace opts it in',
  source: 'D1 (Dan, Kevin, Alejandro, Jan 21–22)',
  applies: (_p, v) => (v.cxlAtsOptIn ? APPLIES : { applies: false, why: 'no opt-in knob in this variant (D1 is cxl-ats-opt-in)' }),
  ...perDevice({
    about: (_ctx, d) => d.cxlCache && !d.optedIn,
    good: (_ctx, d) => (atsAnyOn(d) ? `CXL.cache, not opted in, yet ${atsWords(d)}` : null),
  }),
};

export const SECURITY: readonly StateInvariant[] = [
  untrustedNoAts,
  blockedMeansNoTranslated,
  blockedMeansNoTranslatedStrict,
  unacceptedNoDma,
  unacceptedNoDmaStrict,
  noHypervisorEscape,
  cxlAtsNeedsOptIn,
];

// Function (fun.*) and advisory (adv.*) invariants of VERIFICATION.md. Two of them are
// transition properties (fun.no-silent-msi-loss, fun.accepted-binds).

import type { Errno } from '../../kernel/types.js';
import type { Check, Invariant, StateInvariant, TransitionInvariant } from '../types.js';
import { APPLIES, PREMISE_OK, VACUOUS } from '../types.js';
import { alwaysOn, atsCapable, effectivelyAccepted, isBlocked, ownDriverBound, perDevice } from './helpers.js';

export const cxlCacheWorks: StateInvariant = {
  id: 'fun.cxl-cache-works',
  kind: 'state',
  statement:
    'a trusted, accepted CXL.cache device with its own driver bound and its group in its default domain (and, under D1, opted in) can obtain host physical addresses',
  source: "the RFC's purpose (Nicolin, Jan 17); CXL r4.0 3.2.5.13",
  applies: () => APPLIES,
  ...perDevice({
    about: (ctx, d) =>
      d.cxlCache &&
      !d.untrusted &&
      effectivelyAccepted(ctx, d) &&
      ownDriverBound(ctx, d) &&
      (d.domain === 'dma' || d.domain === 'dma-fq' || d.domain === 'identity') &&
      (!ctx.v.cxlAtsOptIn || d.optedIn),
    good: (ctx, d) => (d.atsEnabled && d.translatedAccepted ? null : `in ${d.domain} with ${d.driver} bound, but PCI ATS Enable ${d.atsEnabled ? 'on' : 'off'}, Translated ${d.translatedAccepted ? 'accepted' : 'rejected'}: no HPA`),
  }),
};

export const msiWorks: StateInvariant = {
  id: 'fun.msi-works',
  kind: 'state',
  statement: 'every bound driver that uses MSI receives its interrupts (pcieport AER/PME included)',
  source: 'D6 (Nicolin, Feb 18); R4.33',
  applies: () => APPLIES,
  ...perDevice({
    about: (_ctx, d) => d.driver !== null && d.usesMsi,
    good: (_ctx, d) => (d.msi === 'works' ? null : `${d.driver} bound, MSI ${d.msi} (domain ${d.domain})`),
  }),
};

export const noSilentMsiLoss: TransitionInvariant = {
  id: 'fun.no-silent-msi-loss',
  kind: 'transition',
  statement: "an MSI that was set up is never lost by a domain change made for another member of its group; the change fails loudly instead",
  source: 'D10 (Jason, Feb 20/26); R6.4',
  applies: () => APPLIES,
  check: (_ctx, before, e, ret, after) => {
    const actor = before.devices[e.dev] ?? after.devices[e.dev];
    if (actor === undefined) return VACUOUS;
    const group = actor.group ?? after.devices[e.dev]?.group ?? null;
    if (group === null) return VACUOUS;
    let premise = false;
    // Every other present member of the group whose driver has working MSI (before) and stays
    // bound (after). The tests on `b` alone come first, so `after` is looked up only for those
    // few; `for … in` walks Object.values' order (own keys) without building the array.
    for (const name in before.devices) {
      const b = before.devices[name];
      if (name === e.dev || !b.present || b.group !== group || b.msi !== 'works' || b.driver === null) continue;
      const a = after.devices[name];
      if (a === undefined || a.driver !== b.driver) continue; // its driver must stay bound
      const lost = a.msi !== 'works';
      if (!ret.ok) {
        premise = true; // refused: the loud outcome
        continue;
      }
      if (b.domain === a.domain && !lost) continue;
      premise = true;
      if (lost) return { premise, ok: false, device: name, detail: `${e.kind}(${e.dev}) moved group ${group} ${b.domain} -> ${a.domain}; ${name} (${b.driver}) MSI ${a.msi}, and the event succeeded` };
    }
    return premise ? PREMISE_OK : VACUOUS;
  },
};

export const rmrPreserved: StateInvariant = {
  id: 'fun.rmr-preserved',
  kind: 'state',
  statement: 'on bare metal, a require_direct device can reach its reserved regions at every moment',
  source: 'D5 (Robin, Feb 3); R4.13',
  applies: (p) => (p.ccGuest ? { applies: false, why: 'CC guest: require_direct comes from an untrusted hypervisor and is locked off (D11)' } : APPLIES),
  ...perDevice({
    about: (_ctx, d) => d.requireDirect,
    good: (_ctx, d) => (d.rmrReachable ? null : `require_direct, but its RMR ranges are unreachable (domain ${d.domain})`),
  }),
};

export const pasidSurvivesRidBlock: StateInvariant = {
  id: 'fun.pasid-survives-rid-block',
  kind: 'state',
  statement: 'active PASID domains keep working while VFIO moves the RID through BLOCKED',
  source: 'Kevin, Jan 28 (D2 counter-case); R5.5',
  applies: () => APPLIES,
  ...perDevice({
    about: (ctx, d) => isBlocked(d.domain) && d.pasidsAttached > 0,
    good: (ctx, d) => {
      if (!d.pciPasidEnabled) return `RID in ${d.domain} with ${d.pasidsAttached} PASID(s), PCI PASID off`;
      if (atsCapable(ctx, d) && !(d.atsEnabled && d.translatedAccepted)) {
        return `RID in ${d.domain} with ${d.pasidsAttached} PASID(s), ATS-capable, but PCI ATS Enable ${d.atsEnabled ? 'on' : 'off'}, Translated ${d.translatedAccepted ? 'accepted' : 'rejected'}`;
      }
      return null;
    },
  }),
};

/** Events that bind a driver to a device or make VFIO claim it for one: in the model the
 * VFIO ownership claim (R4.26/R4.27, where -EPERM and -EINVAL arise) happens at
 * vfio-attach (R6.3 step 1), so a refused claim is a refused "bind" of vfio-pci too. */
const BIND_EVENTS: ReadonlySet<string> = new Set(['bind', 'vfio-bind', 'vfio-attach']);

/** Documented refusals of a bind/vfio-bind/vfio-attach of an accepted device (Semantics):
 * -EBUSY group owned by VFIO (R4.24); -EPERM non-viable group (R6.2), D10 refusal, D11
 * lock-off; -EINVAL VFIO claim of a require_direct group (R4.13). */
export const ALLOWED_BIND_REFUSALS: readonly Errno[] = ['EBUSY', 'EPERM', 'EINVAL'];

export const acceptedBinds: TransitionInvariant = {
  id: 'fun.accepted-binds',
  kind: 'transition',
  statement: "an accepted device's driver binds, barring documented conflicts such as a non-viable VFIO group",
  source: 'R4.24, R6.2; D3 step 5',
  applies: () => APPLIES,
  check: (ctx, before, e, ret): Check => {
    if (!BIND_EVENTS.has(e.kind)) return VACUOUS;
    const d = before.devices[e.dev];
    if (d === undefined || !d.present || !effectivelyAccepted(ctx, d)) return VACUOUS;
    if (ret.ok || ALLOWED_BIND_REFUSALS.includes(ret.errno)) return PREMISE_OK;
    return { premise: true, ok: false, device: e.dev, detail: `${e.kind}(${e.dev}) of an accepted device refused with -${ret.errno}: ${ret.why}` };
  },
};

export const identityWithoutAts: StateInvariant = {
  id: 'adv.identity-without-ats',
  kind: 'state',
  statement: 'IDENTITY without PASIDs and without always-on keeps PCI ATS Enable off',
  source: 'D2 (Jason, Jan 27: "recommend not for performance and consistency")',
  applies: () => APPLIES,
  ...perDevice({
    about: (ctx, d) => d.domain === 'identity' && d.pasidsAttached === 0 && !alwaysOn(ctx, d),
    good: (ctx, d) => (d.atsEnabled ? 'IDENTITY, no PASID, not always-on, yet PCI ATS Enable on' : null),
  }),
};

export const FUNCTION: readonly Invariant[] = [cxlCacheWorks, msiWorks, noSilentMsiLoss, rmrPreserved, pasidSurvivesRidBlock, acceptedBinds];
export const ADVISORY: readonly Invariant[] = [identityWithoutAts];

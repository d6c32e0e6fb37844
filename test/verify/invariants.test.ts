// Every invariant fails on an observation built to break it and holds on one built to
// satisfy it; expectations from VERIFICATION.md ("Invariants", "Semantics").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DeviceObs, KEvent, KReturn, Observation } from '../../src/kernel/types.js';
import { parseVariant } from '../../src/kernel/variants.js';
import type { Platform } from '../../src/kernel/platform.js';
import { INVARIANTS, invariantById } from '../../src/verify/invariants/index.js';
import { INVARIANT_IDS, makeCtx } from '../../src/verify/types.js';
import type { Check, InvariantId } from '../../src/verify/types.js';
import { endpoint, rootPort, toyPlatform } from './toy-model.js';

const base: DeviceObs = {
  name: 'dev',
  present: true,
  accepted: true,
  optedIn: false,
  untrusted: false,
  isBridge: false,
  isVf: false,
  requireDirect: false,
  cxlCache: false,
  driver: null,
  dmaMode: null,
  usesMsi: false,
  group: 'g1',
  domain: 'dma',
  groupOwned: false,
  pasidsAttached: 0,
  pciPasidEnabled: false,
  atsEnabled: false,
  stu: null,
  translatedAccepted: false,
  untranslated: 'mapped',
  rmrReachable: false,
  msi: 'n/a',
  cxlHpa: false,
};
const dev = (o: Partial<DeviceObs>): DeviceObs => ({ ...base, ...o });
const obsOf = (...ds: DeviceObs[]): Observation => ({ devices: Object.fromEntries(ds.map((d) => [d.name, d])) });

// "dev" is an ATS-capable endpoint with driver "dev-drv"; "cxl" a CXL.cache one.
const plat: Platform = toyPlatform([
  rootPort('rp', '00:01.0'),
  endpoint('dev', '01:00.0', 'rp', { ats: true }),
  endpoint('cxl', '01:00.1', 'rp', { ats: true, cxl: true }),
  endpoint('peer', '01:00.2', 'rp'),
]);

function st(id: InvariantId, o: Observation, variant = 'mainline', p: Platform = plat): Check {
  const inv = invariantById(id);
  assert.equal(inv.kind, 'state');
  if (inv.kind !== 'state') throw new Error('unreachable');
  return inv.check(makeCtx(p, parseVariant(variant)), o);
}
function tr(id: InvariantId, before: Observation, e: KEvent, ret: KReturn, after: Observation, variant = 'mainline'): Check {
  const inv = invariantById(id);
  if (inv.kind !== 'transition') throw new Error(`${id} is not a transition invariant`);
  return inv.check(makeCtx(plat, parseVariant(variant)), before, e, ret, after);
}
const OK: KReturn = { ok: true };

test('registry: every id of VERIFICATION.md, each with a statement and a source', () => {
  assert.deepEqual(INVARIANTS.map((i) => i.id), [...INVARIANT_IDS]);
  for (const i of INVARIANTS) {
    assert.ok(i.statement.length > 10, i.id);
    assert.ok(i.source.length > 1, i.id);
  }
});

test('sec.untrusted-no-ats: either ATS fact alone violates', () => {
  assert.equal(st('sec.untrusted-no-ats', obsOf(dev({ untrusted: true, atsEnabled: false, translatedAccepted: true }))).ok, false);
  assert.equal(st('sec.untrusted-no-ats', obsOf(dev({ untrusted: true, atsEnabled: true }))).ok, false);
  assert.deepEqual(st('sec.untrusted-no-ats', obsOf(dev({ untrusted: true }))), { premise: true, ok: true });
  assert.equal(st('sec.untrusted-no-ats', obsOf(dev({ atsEnabled: true, translatedAccepted: true }))).premise, false);
});

test('sec.blocked-means-no-translated: BLOCKED without PASID needs both off; PASIDs exempt', () => {
  assert.equal(st('sec.blocked-means-no-translated', obsOf(dev({ domain: 'blocked', translatedAccepted: true }))).ok, false);
  assert.equal(st('sec.blocked-means-no-translated', obsOf(dev({ domain: 'blocked' }))).ok, true);
  const withPasid = obsOf(dev({ domain: 'blocked', pasidsAttached: 1, atsEnabled: true, translatedAccepted: true }));
  assert.deepEqual(st('sec.blocked-means-no-translated', withPasid), { premise: false, ok: true });
  // strict: PASIDs do not exempt
  assert.equal(st('sec.blocked-means-no-translated-strict', withPasid).ok, false);
  assert.equal(st('sec.blocked-means-no-translated-strict', obsOf(dev({ domain: 'blocked', pasidsAttached: 1 }))).ok, true);
});

test('sec.unaccepted-no-dma: RMR and bridges do not count; the strict form counts both', () => {
  const rmr = obsOf(dev({ accepted: false, domain: 'rmr-blocking', untranslated: 'reserved', rmrReachable: true }));
  assert.deepEqual(st('sec.unaccepted-no-dma', rmr), { premise: true, ok: true });
  assert.equal(st('sec.unaccepted-no-dma-strict', rmr).ok, false);
  const bridge = obsOf(dev({ name: 'rp', isBridge: true, accepted: false, domain: 'identity', untranslated: 'all' }));
  assert.equal(st('sec.unaccepted-no-dma', bridge).premise, false);
  assert.equal(st('sec.unaccepted-no-dma-strict', bridge).ok, false);
  const dma = obsOf(dev({ accepted: false, domain: 'dma', untranslated: 'mapped' }));
  assert.equal(st('sec.unaccepted-no-dma', dma).ok, false);
  const translated = obsOf(dev({ accepted: false, domain: 'empty-dma', untranslated: 'msi-doorbell', translatedAccepted: true }));
  assert.equal(st('sec.unaccepted-no-dma', translated).ok, false);
  const parked = obsOf(dev({ accepted: false, domain: 'empty-dma-no-ats', untranslated: 'msi-doorbell' }));
  assert.equal(st('sec.unaccepted-no-dma', parked).ok, true);
  assert.equal(st('sec.unaccepted-no-dma-strict', parked).ok, true);
  assert.equal(st('sec.unaccepted-no-dma', obsOf(dev({ accepted: true, untranslated: 'all' }))).premise, false);
});

test('sec.no-hypervisor-escape: n/a on bare metal; an unaccepted require_direct device must have no path', () => {
  const inv = invariantById('sec.no-hypervisor-escape');
  assert.equal(inv.applies(plat, parseVariant('mainline')).applies, false);
  const cc = { ...plat, ccGuest: true };
  assert.equal(inv.applies(cc, parseVariant('cc-vm-lock-off')).applies, true);
  assert.equal(st('sec.no-hypervisor-escape', obsOf(dev({ requireDirect: true, accepted: false, domain: 'identity', untranslated: 'all', rmrReachable: true })), 'mainline', cc).ok, false);
  assert.equal(st('sec.no-hypervisor-escape', obsOf(dev({ requireDirect: true, accepted: false, domain: 'rmr-blocking', untranslated: 'reserved', rmrReachable: true })), 'mainline', cc).ok, false);
  assert.deepEqual(st('sec.no-hypervisor-escape', obsOf(dev({ requireDirect: true, accepted: false, domain: 'blocked', untranslated: 'none' })), 'mainline', cc), { premise: true, ok: true });
});

test('sec.cxl-ats-needs-opt-in: n/a unless cxl-ats-opt-in; no ATS before opt-in', () => {
  const inv = invariantById('sec.cxl-ats-needs-opt-in');
  assert.equal(inv.applies(plat, parseVariant('mainline')).applies, false);
  assert.equal(inv.applies(plat, parseVariant('cxl-ats-opt-in')).applies, true);
  assert.equal(st('sec.cxl-ats-needs-opt-in', obsOf(dev({ name: 'cxl', cxlCache: true, atsEnabled: true })), 'cxl-ats-opt-in').ok, false);
  assert.equal(st('sec.cxl-ats-needs-opt-in', obsOf(dev({ name: 'cxl', cxlCache: true, optedIn: true, atsEnabled: true, translatedAccepted: true })), 'cxl-ats-opt-in').premise, false);
  assert.equal(st('sec.cxl-ats-needs-opt-in', obsOf(dev({ name: 'cxl', cxlCache: true })), 'cxl-ats-opt-in').ok, true);
});

test('fun.cxl-cache-works: trusted, accepted, own driver, default domain => ATS on and Translated accepted', () => {
  const ready = { name: 'cxl', cxlCache: true, driver: 'cxl-drv', dmaMode: 'normal' as const, domain: 'identity' as const };
  assert.equal(st('fun.cxl-cache-works', obsOf(dev({ ...ready, atsEnabled: false }))).ok, false); // golden 15
  assert.equal(st('fun.cxl-cache-works', obsOf(dev({ ...ready, atsEnabled: true, translatedAccepted: false }))).ok, false);
  assert.deepEqual(st('fun.cxl-cache-works', obsOf(dev({ ...ready, atsEnabled: true, translatedAccepted: true }))), { premise: true, ok: true });
  // Not its own driver (vfio-pci), untrusted, or a non-default domain: premise not met.
  assert.equal(st('fun.cxl-cache-works', obsOf(dev({ ...ready, driver: 'vfio-pci' }))).premise, false);
  assert.equal(st('fun.cxl-cache-works', obsOf(dev({ ...ready, untrusted: true }))).premise, false);
  assert.equal(st('fun.cxl-cache-works', obsOf(dev({ ...ready, domain: 'blocked' }))).premise, false);
  // Acceptance gates the premise only where it has a kernel effect (boot-dma-security).
  assert.equal(st('fun.cxl-cache-works', obsOf(dev({ ...ready, accepted: false })), 'boot-dma-security,park=blocked').premise, false);
  assert.equal(st('fun.cxl-cache-works', obsOf(dev({ ...ready, accepted: false }))).premise, true);
  // Under D1 only once opted in.
  assert.equal(st('fun.cxl-cache-works', obsOf(dev({ ...ready })), 'cxl-ats-opt-in').premise, false);
  assert.equal(st('fun.cxl-cache-works', obsOf(dev({ ...ready, optedIn: true })), 'cxl-ats-opt-in').ok, false);
});

test('fun.msi-works: a bound MSI user must have working MSI', () => {
  assert.equal(st('fun.msi-works', obsOf(dev({ name: 'rp', isBridge: true, driver: 'pcieport', usesMsi: true, msi: 'failed', domain: 'blocked' }))).ok, false);
  assert.equal(st('fun.msi-works', obsOf(dev({ driver: 'dev-drv', usesMsi: true, msi: 'lost' }))).ok, false);
  assert.deepEqual(st('fun.msi-works', obsOf(dev({ driver: 'dev-drv', usesMsi: true, msi: 'works' }))), { premise: true, ok: true });
  assert.equal(st('fun.msi-works', obsOf(dev({ driver: null, usesMsi: false }))).premise, false);
});

test('fun.no-silent-msi-loss: a successful domain change for one member must not kill another member\'s MSI', () => {
  const rp = dev({ name: 'rp', isBridge: true, driver: 'pcieport', usesMsi: true, msi: 'works', domain: 'identity', group: 'g' });
  const fpga = dev({ name: 'fpga', group: 'g', domain: 'identity' });
  const claim: KEvent = { kind: 'vfio-bind', dev: 'fpga' };
  const after = obsOf({ ...rp, domain: 'blocked', msi: 'lost' }, { ...fpga, driver: 'vfio-pci', domain: 'blocked', groupOwned: true });
  assert.equal(tr('fun.no-silent-msi-loss', obsOf(rp, fpga), claim, OK, after).ok, false);
  // Refused (D10): the loud outcome; premise reached, holds.
  const refused: KReturn = { ok: false, errno: 'EPERM', why: 'D10' };
  assert.deepEqual(tr('fun.no-silent-msi-loss', obsOf(rp, fpga), claim, refused, obsOf(rp, fpga)), { premise: true, ok: true });
  // x86: the domain changes, MSI keeps working (interrupt remapping).
  const x86 = obsOf({ ...rp, domain: 'blocked' }, { ...fpga, driver: 'vfio-pci', domain: 'blocked' });
  assert.deepEqual(tr('fun.no-silent-msi-loss', obsOf(rp, fpga), claim, OK, x86), { premise: true, ok: true });
  // The member's own event (pcieport unbinding itself) is not "another member".
  assert.equal(tr('fun.no-silent-msi-loss', obsOf(rp, fpga), { kind: 'unbind', dev: 'rp' }, OK, obsOf({ ...rp, driver: null, msi: 'n/a' }, fpga)).premise, false);
});

test('fun.rmr-preserved: n/a on a CC guest; RMR must stay reachable', () => {
  const inv = invariantById('fun.rmr-preserved');
  assert.equal(inv.applies({ ...plat, ccGuest: true }, parseVariant('mainline')).applies, false);
  assert.equal(st('fun.rmr-preserved', obsOf(dev({ requireDirect: true, domain: 'blocked', rmrReachable: false }))).ok, false);
  assert.deepEqual(st('fun.rmr-preserved', obsOf(dev({ requireDirect: true, domain: 'rmr-blocking', rmrReachable: true }))), { premise: true, ok: true });
});

test('fun.pasid-survives-rid-block: RID BLOCKED with a PASID => PASID on, and ATS on + Translated for an ATS-capable device', () => {
  const blocked = { domain: 'blocked' as const, pasidsAttached: 1 };
  assert.equal(st('fun.pasid-survives-rid-block', obsOf(dev({ ...blocked, pciPasidEnabled: true, atsEnabled: false }))).ok, false); // R5.19 shape
  assert.equal(st('fun.pasid-survives-rid-block', obsOf(dev({ ...blocked, pciPasidEnabled: false, atsEnabled: true, translatedAccepted: true }))).ok, false);
  assert.deepEqual(st('fun.pasid-survives-rid-block', obsOf(dev({ ...blocked, pciPasidEnabled: true, atsEnabled: true, translatedAccepted: true }))), { premise: true, ok: true });
  // "peer" has no ATS capability: PASID on is enough.
  assert.equal(st('fun.pasid-survives-rid-block', obsOf(dev({ name: 'peer', ...blocked, pciPasidEnabled: true }))).ok, true);
  // pci=noats: not ATS-capable.
  const noats = { ...plat, cmdline: { raw: 'pci=noats', noats: true } };
  assert.equal(st('fun.pasid-survives-rid-block', obsOf(dev({ ...blocked, pciPasidEnabled: true })), 'mainline', noats).ok, true);
});

test('fun.accepted-binds: only -EBUSY/-EPERM/-EINVAL refusals of an accepted device', () => {
  const o = obsOf(dev({}));
  const bind: KEvent = { kind: 'bind', dev: 'dev' };
  assert.equal(tr('fun.accepted-binds', o, bind, { ok: false, errno: 'EPROBE_DEFER', why: 'R4.34' }, o).ok, false);
  assert.equal(tr('fun.accepted-binds', o, { kind: 'vfio-bind', dev: 'dev' }, { ok: false, errno: 'ENODEV', why: 'x' }, o).ok, false);
  for (const errno of ['EBUSY', 'EPERM', 'EINVAL'] as const) {
    assert.deepEqual(tr('fun.accepted-binds', o, bind, { ok: false, errno, why: 'documented' }, o), { premise: true, ok: true });
  }
  assert.deepEqual(tr('fun.accepted-binds', o, bind, OK, o), { premise: true, ok: true });
  // Unaccepted device under boot-dma-security, or another event: not the premise.
  const un = obsOf(dev({ accepted: false }));
  const bds = 'boot-dma-security,park=blocked';
  assert.equal(tr('fun.accepted-binds', un, bind, { ok: false, errno: 'EPROBE_DEFER', why: '' }, un, bds).premise, false);
  // Outside boot-dma-security accept has no kernel effect (Semantics): every device counts.
  assert.equal(tr('fun.accepted-binds', un, bind, { ok: false, errno: 'EPROBE_DEFER', why: '' }, un).ok, false);
  assert.equal(tr('fun.accepted-binds', o, { kind: 'unbind', dev: 'dev' }, { ok: false, errno: 'ENODEV', why: '' }, o).premise, false);
  // The VFIO claim happens at vfio-attach (R6.3 step 1): -EPERM (non-viable, R6.2) and
  // -EINVAL (require_direct, R4.13) are documented; anything else is not.
  const attach = { kind: 'vfio-attach' as const, dev: 'dev' };
  assert.deepEqual(tr('fun.accepted-binds', o, attach, { ok: false, errno: 'EPERM', why: 'R6.2' }, o), { premise: true, ok: true });
  assert.deepEqual(tr('fun.accepted-binds', o, attach, { ok: false, errno: 'EINVAL', why: 'R4.13' }, o), { premise: true, ok: true });
  assert.equal(tr('fun.accepted-binds', o, attach, { ok: false, errno: 'EOPNOTSUPP', why: 'x' }, o).ok, false);
});

test('adv.identity-without-ats: PCI ATS Enable only; always-on exempt only on SMMUv3', () => {
  assert.equal(st('adv.identity-without-ats', obsOf(dev({ domain: 'identity', atsEnabled: true }))).ok, false);
  // Translated accepted alone does not matter here.
  assert.equal(st('adv.identity-without-ats', obsOf(dev({ domain: 'identity', translatedAccepted: true }))).ok, true);
  assert.equal(st('adv.identity-without-ats', obsOf(dev({ domain: 'identity', pasidsAttached: 1, atsEnabled: true }))).premise, false);
  const cxlOn = obsOf(dev({ name: 'cxl', cxlCache: true, domain: 'identity', atsEnabled: true, translatedAccepted: true }));
  assert.equal(st('adv.identity-without-ats', cxlOn, 'ats-always-on').premise, false);
  assert.equal(st('adv.identity-without-ats', cxlOn, 'ats-always-on', { ...plat, iommu: 'amd' }).ok, false);
});

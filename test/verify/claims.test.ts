// The thread's claims, against the real model on the reference platform. Each expectation
// is written from the message it cites (and the reference's golden scenarios), never from
// running our code. Event sequences use device names of VERIFICATION.md's reference table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelModel } from '../../src/kernel/model.js';
import { referencePlatform } from '../../src/platform/reference.js';
import { withCcGuest, withIommu, withPassthrough } from '../../src/platform/transform.js';
import type { DeviceObs, KEvent, KReturn } from '../../src/kernel/types.js';
import { formatEvent, parseEvent } from '../../src/kernel/types.js';
import { parseVariant } from '../../src/kernel/variants.js';
import type { IommuId, Platform } from '../../src/kernel/platform.js';
import { IOMMU_IDS } from '../../src/kernel/platform.js';
import { checkCell } from '../../src/verify/check.js';
import { defaultCombinations } from '../../src/verify/combinations.js';
import { invariantById } from '../../src/verify/invariants/index.js';
import { restrict } from '../../src/verify/reduce.js';
import { makeCtx } from '../../src/verify/types.js';

const REF = referencePlatform();
function plat(iommu: IommuId, passthrough = false, cc = false): Platform {
  return withIommu(withPassthrough(withCcGuest(REF, cc), passthrough), iommu);
}

/** Folds events through the model; returns each return code and the final observation. */
function run(p: Platform, variant: string, events: string[]): { rets: KReturn[]; dev: (n: string) => DeviceObs } {
  const v = parseVariant(variant);
  let s = kernelModel.init(p, v);
  const rets: KReturn[] = [];
  for (const e of events) {
    const r = kernelModel.step(p, v, s, parseEvent(e));
    rets.push(r.ret);
    s = r.state;
  }
  const obs = kernelModel.observe(p, v, s);
  return { rets, dev: (n) => obs.devices[n] };
}
const allOk = (rets: KReturn[]) => rets.every((r) => r.ok);

test('SMMUv3 mainline + passthrough: a bound CXL.cache device has ATS off (the bug the RFC fixes); ats-always-on turns it on (Nicolin, Jan 17; golden 15/16)', () => {
  const seq = ['probe(rp-cxl)', 'probe(cxl-accel)', 'accept(cxl-accel)', 'bind(cxl-accel)'];
  const main = run(plat('arm-smmu-v3', true), 'mainline', seq);
  assert.ok(allOk(main.rets));
  assert.equal(main.dev('cxl-accel').domain, 'identity');
  assert.equal(main.dev('cxl-accel').atsEnabled, false);
  assert.equal(main.dev('cxl-accel').translatedAccepted, false);
  const rfc = run(plat('arm-smmu-v3', true), 'ats-always-on', seq);
  assert.ok(allOk(rfc.rets));
  assert.equal(rfc.dev('cxl-accel').atsEnabled, true);
  assert.equal(rfc.dev('cxl-accel').translatedAccepted, true);
  assert.equal(rfc.dev('cxl-accel').cxlHpa, true);
});

test('ext-cxl (untrusted, behind an external-facing port) never gets ATS under any variant, IOMMU or passthrough (Baolu, Jan 22; R1.4)', () => {
  const inv = [invariantById('sec.untrusted-no-ats')];
  for (const c of defaultCombinations()) {
    for (const iommu of IOMMU_IDS) {
      for (const pt of [false, true]) {
        const p = restrict(plat(iommu, pt, c.ccGuest), ['rp-ext', 'ext-cxl']);
        const r = checkCell(kernelModel, p, c.variant, { invariants: inv });
        assert.equal(r.results['sec.untrusted-no-ats'].verdict, 'holds', `${iommu} pt=${pt} ${c.variantText}: ${r.results['sec.untrusted-no-ats'].detail}`);
        assert.notEqual(r.results['sec.untrusted-no-ats'].vacuous, true, 'ext-cxl must be reached');
      }
    }
  }
});

test('Intel scalable mainline keeps cxl-accel\'s ATS on after vfio-detach to BLOCKED (Jason, Jan 27; R5.13, golden 24)', () => {
  const r = run(plat('intel'), 'mainline', ['probe(rp-cxl)', 'probe(cxl-accel)', 'vfio-bind(cxl-accel)', 'vfio-attach(cxl-accel)', 'vfio-detach(cxl-accel)']);
  assert.ok(allOk(r.rets));
  const d = r.dev('cxl-accel');
  assert.equal(d.domain, 'blocked');
  assert.equal(d.pasidsAttached, 0);
  assert.equal(d.atsEnabled, true);
  assert.equal(d.translatedAccepted, true);
});

test('ARM park=blocked: pcieport on an accepted rp-cxl gets no MSI; blocked-except-bridges and dma-mode-enum give it MSI (Nicolin, Feb 18; Jason, Feb 24)', () => {
  const seq = ['probe(rp-cxl)', 'accept(rp-cxl)', 'bind(rp-cxl)'];
  const blocked = run(plat('arm-smmu-v3'), 'boot-dma-security,park=blocked', seq);
  assert.equal(blocked.dev('rp-cxl').driver, 'pcieport');
  assert.notEqual(blocked.dev('rp-cxl').msi, 'works');
  for (const v of ['boot-dma-security,park=blocked-except-bridges', 'boot-dma-security,park=blocked,dma-mode-enum']) {
    const r = run(plat('arm-smmu-v3'), v, seq);
    assert.ok(allOk(r.rets), v);
    assert.equal(r.dev('rp-cxl').driver, 'pcieport', v);
    assert.equal(r.dev('rp-cxl').msi, 'works', v);
  }
});

test('SMMUv3: an unaccepted cxl-accel parked in an empty DMA domain has Translated requests accepted; with the no-ATS flag rejected (Jason, Feb 20; D7b)', () => {
  const seq = ['probe(rp-cxl)', 'probe(cxl-accel)'];
  const plain = run(plat('arm-smmu-v3'), 'boot-dma-security,park=empty-dma', seq);
  assert.equal(plain.dev('cxl-accel').accepted, false);
  assert.equal(plain.dev('cxl-accel').domain, 'empty-dma');
  assert.equal(plain.dev('cxl-accel').translatedAccepted, true);
  const noAts = run(plat('arm-smmu-v3'), 'boot-dma-security,park=empty-dma-no-ats', seq);
  assert.equal(noAts.dev('cxl-accel').domain, 'empty-dma-no-ats');
  assert.equal(noAts.dev('cxl-accel').translatedAccepted, false);
  assert.equal(noAts.dev('cxl-accel').atsEnabled, false);
});

test('ARM mainline: VFIO claiming fpga silently breaks rp-legacy\'s MSI; under dma-mode-enum the claim is refused (Jason, Feb 20/26; golden 32)', () => {
  const main = run(plat('arm-smmu-v3'), 'mainline', ['probe(rp-legacy)', 'bind(rp-legacy)', 'probe(fpga)', 'vfio-bind(fpga)', 'vfio-attach(fpga)']);
  assert.ok(allOk(main.rets), 'the claim succeeds: silent');
  assert.equal(main.dev('rp-legacy').driver, 'pcieport');
  assert.notEqual(main.dev('rp-legacy').msi, 'works');
  const v = 'boot-dma-security,park=blocked,dma-mode-enum';
  const en = run(plat('arm-smmu-v3'), v, ['probe(rp-legacy)', 'accept(rp-legacy)', 'bind(rp-legacy)', 'probe(fpga)', 'accept(fpga)', 'vfio-bind(fpga)', 'vfio-attach(fpga)']);
  assert.ok(allOk(en.rets.slice(0, 5)));
  const claim = en.rets.slice(5).find((r) => !r.ok);
  assert.ok(claim !== undefined && !claim.ok && claim.errno === 'EPERM', 'the claim fails loudly with -EPERM (D10)');
  assert.equal(en.dev('rp-legacy').msi, 'works');
});

test('RID detached to BLOCKED with a PASID attached: no variant keeps both the strict D2 reading and PASID survival (Kevin, Jan 28)', () => {
  const strict = invariantById('sec.blocked-means-no-translated-strict');
  const survive = invariantById('fun.pasid-survives-rid-block');
  for (const c of defaultCombinations()) {
    // Only where the window exists: VT-d legacy has no PASIDs (R4.31), and on AMD the model
    // refuses a PASID under a VFIO user domain that is not PASID-capable (R5.18).
    for (const iommu of ['arm-smmu-v3', 'intel'] as const) {
      const p = plat(iommu, false, c.ccGuest);
      const pre = [
        'probe(rp-cxl)',
        'probe(cxl-accel)',
        ...(c.variant.bootDmaSecurity ? ['accept(cxl-accel)'] : []),
        ...(c.variant.cxlAtsOptIn ? ['opt-in(cxl-accel)'] : []),
      ];
      const seq = [...pre, 'vfio-bind(cxl-accel)', 'vfio-attach(cxl-accel)', 'pasid-attach(cxl-accel)', 'vfio-detach(cxl-accel)'];
      const v = c.variant;
      let s = kernelModel.init(p, v);
      for (const e of seq) {
        const r = kernelModel.step(p, v, s, parseEvent(e));
        assert.ok(r.ret.ok, `${iommu} ${c.variantText}: ${e} refused: ${r.ret.ok ? '' : r.ret.why}`);
        s = r.state;
      }
      const obs = kernelModel.observe(p, v, s);
      const d = obs.devices['cxl-accel'];
      assert.equal(d.domain, 'blocked', `${iommu} ${c.variantText}`);
      assert.ok(d.pasidsAttached > 0);
      const ctx = makeCtx(p, v);
      if (strict.kind !== 'state' || survive.kind !== 'state') throw new Error('state invariants expected');
      const both = strict.check(ctx, obs).ok && survive.check(ctx, obs).ok;
      assert.equal(both, false, `${iommu} ${c.variantText} keeps both`);
    }
  }
});

// ---- exploration level: `verify` finds these violations with shortest traces ----

function verify(iommu: IommuId, pt: boolean, variant: string, ids: string[]) {
  return checkCell(kernelModel, plat(iommu, pt), parseVariant(variant), { invariants: ids.map((i) => invariantById(i as never)) }).results;
}
const names = (t: readonly KEvent[] | undefined) => (t ?? []).map(formatEvent);
const ROOT_PORTS = REF.devices.filter((d) => d.parent === null).map((d) => d.name);

test('verify: SMMUv3 mainline + passthrough violates fun.cxl-cache-works in 3 events; ats-always-on holds', () => {
  const r = verify('arm-smmu-v3', true, 'mainline', ['fun.cxl-cache-works'])['fun.cxl-cache-works'];
  assert.equal(r.verdict, 'violated');
  assert.deepEqual(names(r.trace), ['probe(rp-cxl)', 'probe(cxl-accel)', 'bind(cxl-accel)']);
  const rfc = verify('arm-smmu-v3', true, 'ats-always-on', ['fun.cxl-cache-works'])['fun.cxl-cache-works'];
  assert.deepEqual({ v: rfc.verdict, vac: rfc.vacuous }, { v: 'holds', vac: undefined });
});

test('verify: park=blocked on ARM violates fun.msi-works in 3 events (probe, accept, bind a root port)', () => {
  const r = verify('arm-smmu-v3', false, 'boot-dma-security,park=blocked', ['fun.msi-works'])['fun.msi-works'];
  assert.equal(r.verdict, 'violated');
  const t = names(r.trace);
  assert.equal(t.length, 3);
  const rp = /^probe\((.*)\)$/.exec(t[0])?.[1] ?? '';
  assert.ok(ROOT_PORTS.includes(rp), t.join(' '));
  assert.deepEqual(t, [`probe(${rp})`, `accept(${rp})`, `bind(${rp})`]);
});

test('verify: ARM mainline violates fun.no-silent-msi-loss through the fpga claim; dma-mode-enum holds it non-vacuously', () => {
  const r = verify('arm-smmu-v3', false, 'mainline', ['fun.no-silent-msi-loss'])['fun.no-silent-msi-loss'];
  assert.equal(r.verdict, 'violated');
  const t = names(r.trace);
  assert.ok(t.includes('bind(rp-legacy)') && t.some((e) => e.startsWith('vfio-') && e.endsWith('(fpga)')), t.join(' '));
  const en = verify('arm-smmu-v3', false, 'boot-dma-security,park=blocked,dma-mode-enum', ['fun.no-silent-msi-loss'])['fun.no-silent-msi-loss'];
  assert.equal(en.verdict, 'holds');
  assert.notEqual(en.vacuous, true);
});

test('verify: Intel scalable mainline violates sec.blocked-means-no-translated, ending in vfio-detach; d2-blocked-means-no-ats holds', () => {
  const r = verify('intel', false, 'mainline', ['sec.blocked-means-no-translated'])['sec.blocked-means-no-translated'];
  assert.equal(r.verdict, 'violated');
  assert.match(names(r.trace).at(-1) ?? '', /^vfio-detach\(/);
  const d2 = verify('intel', false, 'd2-blocked-means-no-ats', ['sec.blocked-means-no-translated'])['sec.blocked-means-no-translated'];
  assert.equal(d2.verdict, 'holds');
  assert.notEqual(d2.vacuous, true);
});

test('verify: park=empty-dma on SMMUv3 violates sec.unaccepted-no-dma at the first ATS endpoint probe (2 events); empty-dma-no-ats does not for that reason', () => {
  const r = verify('arm-smmu-v3', false, 'boot-dma-security,park=empty-dma,rmr=blocking-domain', ['sec.unaccepted-no-dma'])['sec.unaccepted-no-dma'];
  assert.equal(r.verdict, 'violated');
  assert.equal(r.trace?.length, 2);
  assert.match(r.detail ?? '', /Translated requests accepted/);
  const na = verify('arm-smmu-v3', false, 'boot-dma-security,park=empty-dma-no-ats,rmr=blocking-domain', ['sec.unaccepted-no-dma'])['sec.unaccepted-no-dma'];
  assert.equal(na.verdict, 'holds');
});

// fast-check walks (STYLE.md §5): random small platforms, random enabled events. `step` is
// deterministic and never throws, and the derived view is consistent with the rules:
// ATS at the device ⇒ capability, trusted, not noats (R1.4); Translated accepted ⇒ the
// vendor's ATS-supported decision (R5.1, R5.11, R5.16); absent ⇒ no domain; VF enable needs
// the PF's STU (R1.14); PASID enabled before ATS is kept (R1.27) ...
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { iommuOpsFor } from '../../src/kernel/iommu/registry.js';
import { viewOf } from '../../src/kernel/iommu/ops.js';
import { kernelModel as m } from '../../src/kernel/model.js';
import { newTx } from '../../src/kernel/tx.js';
import { formatEvent } from '../../src/kernel/types.js';
import { parseVariant, type Variant } from '../../src/kernel/variants.js';
import type { DeviceDesc, IommuId, Platform } from '../../src/kernel/platform.js';
import { CXL_DEV, PCIEPORT, RMR, VFIO_DRV, endpoint, normal, platform, rootPort } from './fixture.js';

const VARIANTS = [
  'mainline',
  'ats-always-on',
  'd2-blocked-means-no-ats',
  'cxl-ats-opt-in',
  'boot-dma-security,park=blocked-except-bridges,rmr=blocking-domain',
  'boot-dma-security,park=empty-dma-no-ats,rmr=ignore',
  'boot-dma-security,park=msi-only',
  'ats-always-on,d2-blocked-means-no-ats,boot-dma-security,park=blocked,dma-mode-enum,rmr=blocking-domain',
  'cc-vm-lock-off',
  'profile=v6.1',
];

interface Spec {
  iommu: IommuId;
  pt: boolean;
  noats: boolean;
  cc: boolean;
  ports: { acs: boolean; ext: boolean; eps: { kind: number; rr: boolean; vfio: boolean; vf: boolean }[] }[];
}

const specArb: fc.Arbitrary<Spec> = fc.record({
  iommu: fc.constantFrom<IommuId>('arm-smmu-v3', 'intel', 'intel-legacy', 'amd'),
  pt: fc.boolean(),
  noats: fc.boolean(),
  cc: fc.boolean(),
  ports: fc.array(
    fc.record({ acs: fc.boolean(), ext: fc.boolean(), eps: fc.array(fc.record({ kind: fc.nat(3), rr: fc.boolean(), vfio: fc.boolean(), vf: fc.boolean() }), { maxLength: 2 }) }),
    { minLength: 1, maxLength: 2 },
  ),
});

function build(s: Spec): Platform {
  const devs: DeviceDesc[] = [];
  s.ports.forEach((pt, i) => {
    const bus = i + 1;
    const rp = rootPort(`rp${i}`, bus, { acs: pt.acs, ext: pt.ext, driver: PCIEPORT });
    devs.push(rp);
    pt.eps.forEach((e, j) => {
      const fn = [{}, { ats: { pageAligned: e.kind !== 1 } }, CXL_DEV, { ...CXL_DEV, pri: { stopped: true } }][e.kind];
      const name = `ep${i}${j}`;
      devs.push(endpoint(name, rp, bus, { fn: { ...fn, multifunction: pt.eps.length > 1, sriov: e.vf ? { totalVfs: 1 } : false }, devfn: `00.${j * 2}`, rr: e.rr ? [RMR] : [], driver: e.vfio ? VFIO_DRV : normal(`d${j}`) }));
      if (e.vf) devs.push(endpoint(`${name}v`, rp, bus, { fn: { ats: { pageAligned: true } }, devfn: `00.${j * 2 + 1}`, physfn: name, driver: null }));
    });
  });
  const cmd = { raw: `${s.pt ? 'iommu.passthrough=1 ' : ''}${s.noats ? 'pci=noats' : ''}`, noats: s.noats, ...(s.pt ? { passthrough: true } : {}) };
  return platform(s.iommu, devs, { cmdline: cmd, ccGuest: s.cc });
}

function checkView(p: Platform, v: Variant, s: ReturnType<typeof m.init>): void {
  const o = m.observe(p, v, s);
  const tx = newTx(p, v, s);
  const ops = iommuOpsFor(p);
  for (const d of Object.values(o.devices)) {
    const desc = p.devices.find((x) => x.name === d.name)!;
    if (!d.present) {
      assert.equal(d.domain, 'none', `${d.name} absent ⇒ no domain`);
      assert.equal(d.atsEnabled, false);
      assert.equal(d.driver, null);
      continue;
    }
    if (d.atsEnabled) {
      assert.ok(desc.config.ats !== undefined, `${d.name}: ATS enabled without the capability`);
      assert.ok(!d.untrusted, `${d.name}: ATS enabled on an untrusted device (R1.4)`);
      assert.ok(!p.cmdline.noats, `${d.name}: ATS enabled under pci=noats (R1.2)`);
      assert.ok(d.stu !== null && d.stu >= 12, `${d.name}: STU programmed (R1.13)`);
    }
    if (d.translatedAccepted) assert.ok(ops.atsSupported(viewOf(tx, d.name)), `${d.name}: Translated accepted ⇒ vendor ATS-supported`);
    if (d.cxlHpa) assert.ok(d.atsEnabled && d.translatedAccepted && d.cxlCache);
    if (d.domain === 'none') assert.equal(d.untranslated, 'none');
    if (d.domain === 'identity') assert.equal(d.untranslated, 'all');
    if (d.domain === 'blocked') assert.ok(d.untranslated === 'none' && !d.rmrReachable);
    if (d.msi !== 'n/a') assert.ok(d.usesMsi && d.driver !== null);
    if (d.pasidsAttached > 0) assert.ok(d.driver !== null, 'PASIDs need a bound user');
    // D2 holds under its flag, for every vendor (VERIFICATION "Kernel variants")
    if (v.d2BlockedMeansNoAts && d.domain === 'blocked' && d.pasidsAttached === 0) assert.ok(!d.atsEnabled && !d.translatedAccepted, `${d.name}: D2`);
    if (d.groupOwned) assert.ok(d.domain === 'blocked' || d.domain === 'empty-paging' || d.domain === 'unmanaged' || d.domain === 'nested', `owned group in ${d.domain}`);
  }
}

describe('property: random platforms × random event walks', () => {
  it('step is deterministic, never throws, and the view stays consistent', () => {
    fc.assert(
      fc.property(specArb, fc.constantFrom(...VARIANTS), fc.array(fc.nat(1000), { minLength: 1, maxLength: 25 }), (spec, vtext, picks) => {
        const p = build(spec);
        const v = parseVariant(vtext);
        let s = m.init(p, v);
        const seen = new Map<string, string>();
        for (const k of picks) {
          const evs = m.enabled(p, v, s);
          if (evs.length === 0) break;
          const e = evs[k % evs.length];
          const a = m.step(p, v, s, e);
          const b = m.step(p, v, s, e);
          assert.equal(m.key(a.state), m.key(b.state), `deterministic: ${formatEvent(e)}`);
          assert.deepEqual(a.ret, b.ret);
          s = a.state;
          const json = JSON.stringify(s);
          const prev = seen.get(m.key(s));
          assert.ok(prev === undefined || prev === json, 'key(s) equal ⇒ states equal');
          seen.set(m.key(s), json);
          checkView(p, v, s);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a refused event that the kernel refuses before acting leaves the state unchanged (bind gating, D3 step 4)', () => {
    const rp = rootPort('rp', 1);
    const p = platform('arm-smmu-v3', [rp, endpoint('ep', rp, 1, { fn: CXL_DEV })]);
    const v = parseVariant('boot-dma-security,park=blocked');
    let s = m.init(p, v);
    for (const e of ['probe', 'probe'].map((k, i) => ({ kind: k as 'probe', dev: i === 0 ? 'rp' : 'ep' }))) s = m.step(p, v, s, e).state;
    const r = m.step(p, v, s, { kind: 'bind', dev: 'ep' });
    assert.equal(r.ret.ok, false);
    assert.equal(m.key(r.state), m.key(s));
  });
});

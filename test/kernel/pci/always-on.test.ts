// P1–P6 (RFC patches 1/3, 2/3: pci_ats_always_on) and golden scenarios 1, 3–7 (reference §10).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ATS_ALWAYS_ON_QUIRKS, pciAtsAlwaysOn, pciAtsAlwaysOnDev } from '../../../src/kernel/pci/always-on.js';
import { pciAtsSupported, pciEnableAts, pciPrepareAts } from '../../../src/kernel/pci/ats.js';
import { pciFn } from '../../support/pcifn.js';
import { dev, platform, rp } from './fixture.js';

const trusted = { noats: false, untrusted: false };

describe('pci_ats_always_on on decoded functions (P1–P6)', () => {
  it('P1 pci=noats -> false', () => {
    const r = pciAtsAlwaysOn(pciFn({ ats: {}, cxl: { cache: true } }), { noats: true, untrusted: false });
    assert.deepEqual([r.value, r.rule], [false, 'P1']);
  });
  it('P2 no ATS capability -> false; untrusted -> false', () => {
    assert.deepEqual(pickVR(pciAtsAlwaysOn(pciFn({ cxl: { cache: true } }), trusted)), [false, 'P2']);
    assert.deepEqual(pickVR(pciAtsAlwaysOn(pciFn({ ats: {}, cxl: { cache: true } }), { noats: false, untrusted: true })), [false, 'P2']);
  });
  it('P3 a VF is judged by its PF after P2 on itself', () => {
    const pf = pciFn({ ats: {}, cxl: { cache: true } });
    assert.equal(pciAtsAlwaysOn(pciFn({ ats: {} }), { ...trusted, pf }).value, true);
    const plainPf = pciFn({ ats: {} });
    assert.equal(pciAtsAlwaysOn(pciFn({ ats: {}, cxl: { cache: true } }), { ...trusted, pf: plainPf }).value, false);
  });
  it('P4 no CXL DVSEC -> false', () => {
    assert.deepEqual(pickVR(pciAtsAlwaysOn(pciFn({ ats: {} }), trusted)), [false, 'P4']);
  });
  it('P5 true iff Cache_Capable', () => {
    assert.deepEqual(pickVR(pciAtsAlwaysOn(pciFn({ ats: {}, cxl: { cache: true } }), trusted)), [true, 'P5']);
    assert.deepEqual(pickVR(pciAtsAlwaysOn(pciFn({ ats: {}, cxl: { cache: false, mem: true } }), trusted)), [false, 'P5']);
  });
  it('P5 CXL DVSEC present but its Capability register unreadable -> false (v5/v6 form)', () => {
    const fn = pciFn({ ats: {}, cxl: { cache: true } });
    const truncated = { ...fn, dvsecs: fn.dvsecs.map((d) => ({ ...d, cxlDevice: undefined })) };
    assert.deepEqual(pickVR(pciAtsAlwaysOn(truncated, trusted)), [false, 'P5']);
  });
  it('P6 the NVIDIA quirk table: 10de:2e12, 2e2a, 2e2b', () => {
    assert.deepEqual(
      ATS_ALWAYS_ON_QUIRKS.map((q) => [q.vendor, q.device]),
      [
        [0x10de, 0x2e12],
        [0x10de, 0x2e2a],
        [0x10de, 0x2e2b],
      ],
    );
    for (const q of ATS_ALWAYS_ON_QUIRKS) {
      assert.deepEqual(pickVR(pciAtsAlwaysOn(pciFn({ ats: {}, vendor: q.vendor, device: q.device }), trusted)), [true, 'P6']);
    }
    assert.equal(pciAtsAlwaysOn(pciFn({ ats: {}, vendor: 0x10de, device: 0x2e2c }), trusted).value, false);
  });
});

function pickVR(r: { value: boolean; rule: string }): [boolean, string] {
  return [r.value, r.rule];
}

/** rp-int (internal, ACS) and rp-ext (ExternalFacingPort) root ports. */
function plat(noats = false) {
  return platform(
    [
      rp('rp-int', '00:01.0'),
      dev('type2', '01:00.0', { parent: 'rp-int', ats: {}, cxl: { cache: true, mem: true }, sriov: { totalVfs: 2 } }),
      dev('vf-ats', '01:00.1', { parent: 'rp-int', physfn: 'type2', ats: {} }),
      dev('vf-noats', '01:00.2', { parent: 'rp-int', physfn: 'type2' }),
      rp('rp-mem', '00:02.0'),
      dev('type3', '02:00.0', { parent: 'rp-mem', ats: {}, cxl: { cache: false, mem: true } }),
      rp('rp-gpu', '00:03.0'),
      dev('gpu', '03:00.0', { parent: 'rp-gpu', ats: {}, vendor: 0x10de, device: 0x2e2a }),
      rp('rp-ext', '00:04.0', { externalFacing: true }),
      dev('ext-cxl', '04:00.0', { parent: 'rp-ext', ats: {}, cxl: { cache: true } }),
    ],
    { noats },
  );
}

describe('golden scenarios (reference §10)', () => {
  it('1. untrusted CXL.cache device behind a tunneled external port: always-on false, ATS never enabled', () => {
    const p = plat();
    assert.deepEqual(pickVR(pciAtsAlwaysOnDev(p, 'ext-cxl')), [false, 'P2']);
    assert.equal(pciAtsSupported(p, 'ext-cxl'), false);
    assert.equal(pciPrepareAts(p, {}, 'ext-cxl', 12).ret, 'EINVAL');
    assert.equal(pciEnableAts(p, {}, 'ext-cxl', 12).ret, 'EINVAL');
  });
  it('2. pci=noats, CXL.cache device: always-on false (P1)', () => {
    assert.deepEqual(pickVR(pciAtsAlwaysOnDev(plat(true), 'type2')), [false, 'P1']);
  });
  it('3. trusted CXL type-2 PF with Cache_Capable and ATS: always-on true', () => {
    assert.equal(pciAtsAlwaysOnDev(plat(), 'type2').value, true);
  });
  it('4. Cache_Capable 0, Mem_Capable 1 (type-3 expander): always-on false', () => {
    assert.deepEqual(pickVR(pciAtsAlwaysOnDev(plat(), 'type3')), [false, 'P5']);
  });
  it('5. trusted VF with its own ATS capability of a CXL.cache PF: true, inherited from the PF', () => {
    const r = pciAtsAlwaysOnDev(plat(), 'vf-ats');
    assert.equal(r.value, true);
    assert.match(r.why, /PF/);
  });
  it('6. VF without its own ATS capability: false (P2 runs on the VF)', () => {
    assert.deepEqual(pickVR(pciAtsAlwaysOnDev(plat(), 'vf-noats')), [false, 'P2']);
  });
  it('7. NVIDIA 10de:2e2a without CXL DVSEC, trusted: true; under pci=noats: false', () => {
    assert.deepEqual(pickVR(pciAtsAlwaysOnDev(plat(), 'gpu')), [true, 'P6']);
    assert.deepEqual(pickVR(pciAtsAlwaysOnDev(plat(true), 'gpu')), [false, 'P1']);
  });
});

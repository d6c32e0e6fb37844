// Golden scenarios 23–31, 33, 34, 36, 37 of the reference (§10) on the model: VT-d, AMD-Vi
// and the IOMMU core. Expectations from the rule text (R2.6, R4.x, R5.11–R5.20).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { globalDefaultType } from '../../src/kernel/iommu/default-domain.js';
import { iommuDeviceUseDefaultDomain } from '../../src/kernel/iommu/core.js';
import { GROUP_EMPTY } from '../../src/kernel/state.js';
import { newTx, setDev, setGrp } from '../../src/kernel/tx.js';
import { parseVariant } from '../../src/kernel/variants.js';
import { ATS_DEV, CXL_DEV, PCIEPORT, RMR, RMR_RELAXABLE, VFIO_DRV, endpoint, errno, normal, platform, rootPort, run, single } from './fixture.js';

describe('golden 23–26 (VT-d, AMD-Vi)', () => {
  it('23: VT-d scalable, Page Aligned Request = 0: ATS never enabled (R5.12)', () => {
    const r = run(single('intel', { fn: { ats: { pageAligned: false } } }), 'mainline', ['probe(rp)', 'probe(ep)', 'bind(ep)']);
    assert.equal(r.obs('ep').atsEnabled, false);
    assert.ok(r.trace[1].some((t) => t.rule === 'R5.12'));
  });
  it('24: VT-d scalable, attached to BLOCKED by VFIO: ATS stays on and Translated is accepted (R5.13, R5.15)', () => {
    const r = run(single('intel', { fn: ATS_DEV }), 'mainline', ['probe(rp)', 'probe(ep)', 'vfio-bind(ep)', 'vfio-attach(ep)', 'vfio-detach(ep)']);
    const o = r.obs('ep');
    assert.equal(o.domain, 'blocked');
    assert.equal(o.atsEnabled, true);
    assert.equal(o.translatedAccepted, true);
  });
  it('24: ... and ATS is on from probe, before any driver binds (R5.13)', () => {
    const r = run(single('intel', { fn: ATS_DEV }, { cmdline: { raw: 'iommu=pt', passthrough: true } }), 'mainline', ['probe(rp)', 'probe(ep)']);
    assert.equal(r.obs('ep').domain, 'identity');
    assert.equal(r.obs('ep').atsEnabled, true);
  });
  it('25: VT-d legacy, DMA → BLOCKED: ATS disabled when the context is cleared (R5.14)', () => {
    const r = run(single('intel-legacy', { fn: ATS_DEV }), 'mainline', ['probe(rp)', 'probe(ep)']);
    assert.equal(r.obs('ep').atsEnabled, true);
    assert.equal(r.obs('ep').translatedAccepted, true);
    const b = r.step('vfio-bind(ep)').step('vfio-attach(ep)').step('vfio-detach(ep)');
    assert.equal(b.obs('ep').domain, 'blocked');
    assert.equal(b.obs('ep').atsEnabled, false);
    assert.equal(b.obs('ep').translatedAccepted, false);
  });
  it('25: VT-d legacy IDENTITY: pass-through context, no ATS, Translated rejected (R5.14, §9)', () => {
    const r = run(single('intel-legacy', { fn: ATS_DEV }, { cmdline: { raw: 'iommu=pt', passthrough: true } }), 'mainline', ['probe(rp)', 'probe(ep)']);
    assert.equal(r.obs('ep').domain, 'identity');
    assert.equal(r.obs('ep').atsEnabled, false);
    assert.equal(r.obs('ep').translatedAccepted, false);
  });
  it('26: AMD IDENTITY: ATS enabled at attach; BLOCKED disables ATS, PASID and PRI (R5.18, R5.19)', () => {
    const fn = { ...CXL_DEV, pri: { stopped: true } };
    const r = run(single('amd', { fn }, { cmdline: { raw: 'iommu=pt', passthrough: true } }), 'mainline', ['probe(rp)', 'probe(ep)']);
    const o = r.obs('ep');
    assert.equal(o.domain, 'identity');
    assert.equal(o.atsEnabled, true);
    assert.equal(o.pciPasidEnabled, true);
    assert.equal(o.translatedAccepted, true);
    const b = r.step('vfio-bind(ep)').step('vfio-attach(ep)').step('vfio-detach(ep)');
    assert.equal(b.obs('ep').domain, 'blocked');
    assert.equal(b.obs('ep').atsEnabled, false);
    assert.equal(b.obs('ep').pciPasidEnabled, false);
    assert.equal(b.obs('ep').translatedAccepted, false);
    assert.ok(b.trace.flat().some((t) => t.fn === 'pdev_disable_cap_pri'), 'PRI disabled too');
  });
  it('AMD PASID (source read): the DMA default domain of a PASID-capable group is PASID-compatible (v2), VFIO type1\'s is not', () => {
    const p = single('amd', { fn: CXL_DEV });
    const r = run(p, 'mainline', ['probe(rp)', 'probe(ep)', 'bind(ep)', 'pasid-attach(ep)']);
    assert.equal(errno(r.last), 'ok');
    assert.equal(r.obs('ep').pciPasidEnabled, true);
    const v = run(p, 'mainline', ['probe(rp)', 'probe(ep)', 'vfio-bind(ep)', 'vfio-attach(ep)', 'pasid-attach(ep)']);
    // iommu_attach_device_pasid: the user paging domain has no set_dev_pasid (only amd/pasid.c's
    // SVA domain ops do) -> -EOPNOTSUPP before max_pasids is looked at (R5.21, issue 12)
    assert.equal(errno(v.last), 'EOPNOTSUPP');
    assert.equal(v.obs('ep').pciPasidEnabled, false, 'v1 attach: ATS only (R5.18)');
    assert.equal(v.obs('ep').atsEnabled, true);
  });
  it('26: AMD without IVRS IOTLB support never enables ATS (R5.17)', () => {
    const r = run(single('amd', { fn: ATS_DEV }, { features: { amdIotlb: false } }), 'mainline', ['probe(rp)', 'probe(ep)']);
    assert.equal(r.obs('ep').atsEnabled, false);
  });
});

describe('golden 27–31, 33, 34 (core)', () => {
  it('27: require_direct: BLOCKED refused (-EINVAL), VFIO cannot claim; never parked under D4/keep-direct (R4.13, R4.28, D5)', () => {
    const p = single('arm-smmu-v3', { fn: ATS_DEV, rr: [RMR] });
    const r = run(p, 'mainline', ['probe(rp)', 'probe(ep)', 'vfio-bind(ep)', 'vfio-attach(ep)']);
    assert.equal(errno(r.last), 'EINVAL');
    assert.equal(r.obs('ep').domain, 'dma');
    assert.equal(r.obs('ep').groupOwned, false);
    assert.equal(r.obs('ep').rmrReachable, true);
    const d4 = run(p, 'boot-dma-security,park=blocked,rmr=keep-direct', ['probe(rp)', 'probe(ep)']);
    assert.equal(d4.obs('ep').domain, 'dma');
  });
  it('28: RMR with Remapping Permitted (DIRECT_RELAXABLE): require_direct stays 0, BLOCKED allowed (R4.12)', () => {
    const r = run(single('arm-smmu-v3', { fn: ATS_DEV, rr: [RMR_RELAXABLE] }), 'mainline', ['probe(rp)', 'probe(ep)', 'vfio-bind(ep)', 'vfio-attach(ep)', 'vfio-detach(ep)']);
    assert.deepEqual(r.rets.map(errno), ['ok', 'ok', 'ok', 'ok', 'ok']);
    assert.equal(r.obs('ep').requireDirect, false);
    assert.equal(r.obs('ep').domain, 'blocked');
  });
  it('29: untrusted device whose driver asks for IDENTITY: default-domain setup refused (R2.6)', () => {
    const rp = rootPort('rp', 3, { ext: true });
    const p = platform('intel', [rp, endpoint('ext', rp, 3, { fn: ATS_DEV, driver: normal('drv', true, 'identity') })]);
    const r = run(p, 'mainline', ['probe(rp)', 'probe(ext)']);
    assert.equal(errno(r.last), 'EINVAL');
    assert.ok(r.trace[1].some((t) => t.rule === 'R2.6'));
    assert.equal(r.obs('ext').domain, 'none');
    assert.equal(r.obs('ext').untranslated, 'none');
  });
  it('30: conflicting preferences (IDENTITY and DMA), nobody untrusted: IDENTITY with an error log (R4.6)', () => {
    // both present when the default domain is set up: D4 defers setup to the first bind
    const rp = rootPort('rp', 5, { acs: false, driver: { ...PCIEPORT, defDomainType: 'dma' } });
    const p = platform('arm-smmu-v3', [rp, endpoint('ep', rp, 5, { driver: normal('drv', true, 'identity') })]);
    const r = run(p, 'boot-dma-security,park=blocked', ['probe(rp)', 'probe(ep)', 'accept(ep)', 'bind(ep)']);
    assert.equal(r.obs('ep').domain, 'identity');
    assert.equal(r.obs('rp').domain, 'identity');
    assert.ok(r.trace[3].some((t) => t.rule === 'R4.6'));
  });
  const mf = (iommu: 'intel' | 'arm-smmu-v3') => {
    const rp = rootPort('rp', 6);
    return platform(iommu, [
      rp,
      endpoint('f0', rp, 6, { fn: { multifunction: true }, devfn: '00.0' }),
      endpoint('f1', rp, 6, { fn: { multifunction: true }, devfn: '00.1', driver: VFIO_DRV }),
    ]);
  };
  it('31: kernel driver on f0, vfio-pci on f1 of a non-ACS multifunction device: claim -EPERM (R3.5, R4.26, R6.2)', () => {
    const r = run(mf('intel'), 'mainline', ['probe(rp)', 'probe(f0)', 'probe(f1)', 'bind(f0)', 'vfio-bind(f1)', 'vfio-attach(f1)']);
    assert.equal(r.obs('f0').group, r.obs('f1').group, 'one group (R3.5)');
    assert.equal(errno(r.last), 'EPERM');
    assert.equal(r.obs('f1').domain, r.obs('f0').domain);
    assert.equal(r.obs('f1').groupOwned, false);
  });
  it('33: while VFIO owns the group, binding a kernel driver to another member fails -EBUSY (R4.24)', () => {
    const r = run(mf('intel'), 'mainline', ['probe(rp)', 'probe(f0)', 'probe(f1)', 'vfio-bind(f1)', 'vfio-attach(f1)', 'bind(f0)']);
    assert.equal(errno(r.last), 'EBUSY');
    assert.equal(r.obs('f0').driver, null);
    assert.equal(r.obs('f0').domain, 'unmanaged');
  });
  it('34: a driver binding before the group has a default domain gets -EPROBE_DEFER (R4.24)', () => {
    const p = single('intel', { fn: ATS_DEV });
    const v = parseVariant('mainline');
    const r = run(p, v, ['probe(rp)', 'probe(ep)']);
    const tx = newTx(p, v, r.s);
    setGrp(tx, 'ep', GROUP_EMPTY); // bus-wide probe still pending: no domain yet
    setDev(tx, 'ep', { drv: 'own' });
    const ret = iommuDeviceUseDefaultDomain(tx, 'ep');
    assert.equal(errno(ret), 'EPROBE_DEFER');
  });
});

describe('golden 36–37 (default type)', () => {
  it('36: CC guest, passthrough build default, no command line: translated (R4.3); the command line wins', () => {
    const cc = platform('amd', [], { ccGuest: true });
    assert.notEqual(globalDefaultType(cc, 'passthrough').type, 'identity');
    assert.equal(globalDefaultType(platform('amd', []), 'passthrough').type, 'identity');
    const ccPt = platform('amd', [], { ccGuest: true, cmdline: { raw: 'iommu.passthrough=1', passthrough: true } });
    assert.equal(globalDefaultType(ccPt, 'passthrough').type, 'identity');
  });
  it('37: x86 iommu=pt with an untrusted Thunderbolt device: its group strict DMA, others IDENTITY (R2.6, R4.2)', () => {
    const ext = rootPort('rp-ext', 3, { ext: true });
    const rp = rootPort('rp', 2);
    const p = platform('intel', [rp, endpoint('nic', rp, 2, { fn: ATS_DEV }), ext, endpoint('tbt', ext, 3, { fn: ATS_DEV })], { cmdline: { raw: 'iommu=pt', passthrough: true } });
    const r = run(p, 'mainline', ['probe(rp)', 'probe(nic)', 'probe(rp-ext)', 'probe(tbt)']);
    assert.equal(r.obs('tbt').untrusted, true);
    assert.equal(r.obs('tbt').domain, 'dma');
    assert.equal(r.obs('tbt').atsEnabled, false);
    assert.equal(r.obs('nic').domain, 'identity');
  });
  it('R4.4b: on arm64 `iommu=pt` is not an option; iommu.passthrough=1 is', () => {
    assert.equal(globalDefaultType(platform('arm-smmu-v3', [], { cmdline: { raw: 'iommu=pt', passthrough: true } })).type, 'dma');
    assert.equal(globalDefaultType(platform('arm-smmu-v3', [], { cmdline: { raw: 'iommu.passthrough=1', passthrough: true } })).type, 'identity');
  });
  it('R4.4/R4.4a: x86 build default is lazy (DMA-FQ), iommu.strict=1 strict; a CC guest on x86 is strict', () => {
    assert.equal(globalDefaultType(platform('intel', [])).type, 'dma-fq');
    assert.equal(globalDefaultType(platform('intel', [], { cmdline: { raw: 'iommu.strict=1', strict: true } })).type, 'dma');
    assert.equal(globalDefaultType(platform('intel', [], { ccGuest: true })).type, 'dma');
  });
});

// enabled() world preconditions (VERIFICATION "Semantics"), the IOMMU core against the mock
// vendor (as iommufd's selftest mock_ops), refusal paths of R4.24–R4.31, and platform parts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clusters, restrict } from '../../src/verify/reduce.js';
import { mockOps } from '../../src/kernel/iommu/drivers/mock.js';
import { setOpsOverride } from '../../src/kernel/iommu/registry.js';
import { kernelModel } from '../../src/kernel/model.js';
import { eventGuard } from '../../src/kernel/enabled.js';
import { formatEvent } from '../../src/kernel/types.js';
import { parseVariant } from '../../src/kernel/variants.js';
import { referencePlatform } from '../../src/platform/reference.js';
import { ATS_DEV, CXL_DEV, endpoint, errno, normal, platform, rootPort, run, single } from './fixture.js';

const evs = (p: Parameters<typeof run>[0], v: string, s: ReturnType<typeof run>['s']) => kernelModel.enabled(p, parseVariant(v), s).map(formatEvent);

function sriov() {
  const rp = rootPort('rp', 2);
  return platform('intel', [rp, endpoint('pf', rp, 2, { fn: { ...ATS_DEV, sriov: { totalVfs: 1 } } }), endpoint('vf', rp, 2, { fn: ATS_DEV, devfn: '00.1', physfn: 'pf', driver: null })]);
}

describe('enabled(): world preconditions', () => {
  it('a device is probed only after its upstream port; root ports are never removed', () => {
    const p = single('intel', { fn: ATS_DEV });
    const r0 = run(p, 'mainline', []);
    assert.deepEqual(evs(p, 'mainline', r0.s), ['probe(rp)']);
    const r1 = r0.step('probe(rp)');
    assert.ok(evs(p, 'mainline', r1.s).includes('probe(ep)'));
    assert.ok(!evs(p, 'mainline', r1.s).includes('remove(rp)'));
    assert.equal(errno(r1.step('remove(rp)').last), 'EINVAL');
  });
  it('a VF appears only while its PF\'s driver is bound; unbinding the PF removes its VFs (SR-IOV disable)', () => {
    const p = sriov();
    const r = run(p, 'mainline', ['probe(rp)', 'probe(pf)']);
    assert.ok(!evs(p, 'mainline', r.s).includes('probe(vf)'));
    const b = r.step('bind(pf)');
    assert.ok(evs(p, 'mainline', b.s).includes('probe(vf)'));
    const v = b.step('probe(vf)').step('vfio-bind(vf)').step('vfio-attach(vf)');
    assert.equal(v.obs('vf').domain, 'unmanaged');
    assert.equal(v.obs('vf').atsEnabled, true, 'VF enable: PF prepared with the same STU (R1.14)');
    const u = v.step('unbind(pf)');
    assert.equal(u.obs('vf').present, false);
    assert.equal(u.obs('pf').driver, null);
  });
  it('remove unbinds first; a re-added device is new (acceptance forgotten)', () => {
    const p = single('arm-smmu-v3', { fn: CXL_DEV });
    const V = 'boot-dma-security,park=blocked';
    const r = run(p, V, ['probe(rp)', 'probe(ep)', 'accept(ep)', 'bind(ep)', 'remove(ep)']);
    assert.ok(r.trace[4].findIndex((t) => t.fn === '__device_release_driver') < r.trace[4].findIndex((t) => t.fn === 'iommu_release_device'));
    const again = r.step('probe(ep)');
    assert.equal(again.obs('ep').accepted, false);
    assert.equal(again.obs('ep').domain, 'blocked');
    assert.ok(!evs(p, V, again.s).includes('bind(ep)'));
  });
  it('bind is offered once per unbound device; vfio-bind only for endpoints; pasid events only for PASID-capable devices', () => {
    const p = single('intel', { fn: ATS_DEV });
    const e = evs(p, 'mainline', run(p, 'mainline', ['probe(rp)', 'probe(ep)', 'bind(ep)']).s);
    assert.ok(!e.includes('bind(ep)') && e.includes('unbind(ep)'));
    assert.ok(!e.includes('vfio-bind(rp)'));
    assert.ok(!e.some((x) => x.startsWith('pasid-')));
  });
  it('eventGuard says why an event is disabled (STYLE §6)', () => {
    const p = sriov();
    const v = parseVariant('boot-dma-security,park=blocked');
    const s = run(p, v, ['probe(rp)', 'probe(pf)']).s;
    assert.match(String(eventGuard(p, v, s, { kind: 'probe', dev: 'vf' })), /PF's driver/);
    assert.match(String(eventGuard(p, v, s, { kind: 'bind', dev: 'pf' })), /accepted/);
    assert.match(String(eventGuard(p, v, s, { kind: 'remove', dev: 'rp' })), /root ports/);
    assert.equal(eventGuard(p, v, s, { kind: 'accept', dev: 'pf' }), true);
  });
  it('a refused event leaves a trace line with its errno', () => {
    const p = single('arm-smmu-v3', { fn: ATS_DEV, rr: [] });
    const r = run(p, 'mainline', ['probe(rp)', 'probe(ep)', 'unbind(ep)']);
    assert.ok(r.trace[2].some((t) => t.rule === 'ret' && t.detail.startsWith('-EINVAL')));
  });
  it('guest-eats only on SMMUv3 while attached to a user domain', () => {
    for (const iommu of ['arm-smmu-v3', 'amd'] as const) {
      const p = single(iommu, { fn: ATS_DEV });
      const e = evs(p, 'mainline', run(p, 'mainline', ['probe(rp)', 'probe(ep)', 'vfio-bind(ep)', 'vfio-attach(ep)']).s);
      assert.equal(e.includes('guest-eats(ep,on)'), iommu === 'arm-smmu-v3');
    }
  });
});

describe('IOMMU core with the mock vendor', () => {
  const mk = () => {
    const p = single('intel', { fn: CXL_DEV });
    setOpsOverride(p, mockOps);
    return p;
  };
  it('probe attaches the default domain; VFIO claim → blocking domain → user domain → release to default (R4.20, R4.28–R4.30)', () => {
    const p = mk();
    const r = run(p, 'mainline', ['probe(rp)', 'probe(ep)', 'vfio-bind(ep)', 'vfio-attach(ep)']);
    assert.ok(r.trace[3].some((t) => t.fn === 'mock_domain_attach_device' && t.detail.startsWith('blocked')));
    assert.equal(r.obs('ep').domain, 'unmanaged');
    assert.equal(r.obs('ep').groupOwned, true);
    const d = r.step('vfio-detach(ep)');
    assert.equal(d.obs('ep').domain, 'blocked');
    const u = d.step('vfio-unbind(ep)');
    assert.equal(u.obs('ep').domain, 'dma-fq');
    assert.equal(u.obs('ep').groupOwned, false);
  });
  it('R4.31 refusals: ENODEV without a group; EINVAL when max_pasids is 0; allowed otherwise', () => {
    const rp = rootPort('rp', 3, { ext: true });
    const bad = platform('intel', [rp, endpoint('ep', rp, 3, { fn: CXL_DEV, driver: normal('d', true, 'identity') })]);
    setOpsOverride(bad, mockOps);
    assert.equal(errno(run(bad, 'mainline', ['probe(rp)', 'probe(ep)', 'bind(ep)', 'pasid-attach(ep)']).last), 'ENODEV');
    const legacy = single('intel-legacy', { fn: CXL_DEV });
    assert.equal(errno(run(legacy, 'mainline', ['probe(rp)', 'probe(ep)', 'bind(ep)', 'pasid-attach(ep)']).last), 'EINVAL');
    assert.equal(errno(run(mk(), 'mainline', ['probe(rp)', 'probe(ep)', 'bind(ep)', 'pasid-attach(ep)']).last), 'ok');
  });
  it('R4.24: a PASID attached while a kernel driver holds the group blocks a second DMA-API user (-EBUSY)', () => {
    const rp = rootPort('rp', 4, { acs: false });
    const p = platform('intel', [rp, endpoint('a', rp, 4, { fn: { ...CXL_DEV, multifunction: true } }), endpoint('b', rp, 4, { fn: { multifunction: true }, devfn: '00.1' })]);
    setOpsOverride(p, mockOps);
    const r = run(p, 'mainline', ['probe(rp)', 'probe(a)', 'probe(b)', 'bind(a)', 'pasid-attach(a)', 'bind(b)']);
    assert.equal(errno(r.last), 'EBUSY');
    assert.equal(errno(r.step('pasid-detach(a)').step('bind(b)').last), 'ok');
  });
  it('R4.27: a second VFIO device of an owned group shares the claim; release only with the last (R4.29)', () => {
    const rp = rootPort('rp', 4, { acs: false, driver: null });
    const p = platform('intel', [rp, endpoint('a', rp, 4, { fn: { multifunction: true } }), endpoint('b', rp, 4, { fn: { multifunction: true }, devfn: '00.1' })]);
    setOpsOverride(p, mockOps);
    const r = run(p, 'mainline', ['probe(rp)', 'probe(a)', 'probe(b)', 'vfio-bind(a)', 'vfio-bind(b)', 'vfio-attach(a)', 'vfio-attach(b)', 'vfio-unbind(a)']);
    assert.deepEqual(r.rets.map(errno), ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok']);
    assert.equal(r.obs('b').domain, 'unmanaged');
    assert.equal(r.obs('b').groupOwned, true);
    assert.equal(r.step('vfio-unbind(b)').obs('b').domain, 'dma-fq');
  });
});

describe('independent parts (verify/reduce clusters) against the model', () => {
  it('the reference platform splits into its five root-port subtrees', () => {
    const parts = clusters(referencePlatform());
    assert.deepEqual(parts, [['rp-cxl', 'cxl-accel'], ['rp-nic', 'nic-pf', 'nic-vf0'], ['rp-ext', 'ext-cxl'], ['rp-gpu', 'gpu'], ['rp-legacy', 'fpga']]);
  });
  it('a part explored alone gives the same observation as in the whole platform', () => {
    const P = { ...referencePlatform(), iommu: 'arm-smmu-v3' as const };
    const evs2 = ['probe(rp-cxl)', 'probe(rp-nic)', 'probe(cxl-accel)', 'bind(cxl-accel)', 'pasid-attach(cxl-accel)'];
    const whole = run(P, 'mainline', evs2).obs('cxl-accel');
    const part = run(restrict(P, ['rp-cxl', 'cxl-accel']), 'mainline', evs2.filter((e) => !e.includes('nic'))).obs('cxl-accel');
    assert.deepEqual(part, whole);
  });
});

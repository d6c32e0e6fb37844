// Golden scenarios 15–22, 32, 35 of the reference (§10) on the model, SMMUv3. Expectations
// come from the rule text (R5.x, A1–A6, R4.33/R6.4), not from the model's output.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CXL_DEV, PCIEPORT, VFIO_DRV, endpoint, errno, fns, platform, rootPort, run, single } from './fixture.js';

const PT = { cmdline: { raw: 'iommu.passthrough=1', passthrough: true } };
const NOPASID_CXL = { ats: { pageAligned: true }, cxl: { cache: true } } as const;

describe('golden 15–22 (SMMUv3)', () => {
  it('15: mainline IDENTITY, no PASID: bypass STE, ATS off, Translated rejected, no HPA (R5.4, R5.10)', () => {
    const r = run(single('arm-smmu-v3', { fn: NOPASID_CXL }, PT), 'mainline', ['probe(rp)', 'probe(ep)', 'bind(ep)']);
    const o = r.obs('ep');
    assert.equal(o.domain, 'identity');
    assert.equal(o.atsEnabled, false);
    assert.equal(o.translatedAccepted, false);
    assert.equal(o.cxlHpa, false);
  });

  it('16: ats-always-on, CXL.cache device: CD table at probe, ATS on from the first IDENTITY attach, kept across PASIDs (A1–A3, A5)', () => {
    const p = single('arm-smmu-v3', { fn: CXL_DEV }, PT);
    const r = run(p, 'ats-always-on', ['probe(rp)', 'probe(ep)']);
    assert.ok(fns(r.trace[1]).includes('arm_smmu_alloc_cd_tables'), 'CD table allocated at probe (A1)');
    assert.equal(r.obs('ep').domain, 'identity');
    assert.equal(r.obs('ep').atsEnabled, true);
    assert.equal(r.obs('ep').translatedAccepted, true);
    const r2 = r.step('bind(ep)').step('pasid-attach(ep)').step('pasid-detach(ep)');
    assert.equal(r2.obs('ep').atsEnabled, true, 'A5: never downgraded');
    assert.equal(r2.obs('ep').cxlHpa, true);
  });

  it('17: always-on device on an SMMU without stage 1 or SSIDs falls back to on-demand (A1)', () => {
    for (const features of [{ s1: false }, { ssidBits: 0 }]) {
      const r = run(single('arm-smmu-v3', { fn: NOPASID_CXL }, { ...PT, features }), 'ats-always-on', ['probe(rp)', 'probe(ep)']);
      assert.ok(r.trace[1].some((t) => t.rule === 'A1' && /always on/.test(t.detail)), JSON.stringify(features));
      assert.equal(r.obs('ep').atsEnabled, false);
      assert.equal(r.obs('ep').translatedAccepted, false);
    }
  });

  it('18: always-on device attached to BLOCKED with no PASIDs: abort STE, PCI ATS disabled before the STE write (A4, R5.3)', () => {
    const r = run(single('arm-smmu-v3', { fn: NOPASID_CXL }, PT), 'ats-always-on', ['probe(rp)', 'probe(ep)', 'vfio-bind(ep)', 'vfio-attach(ep)', 'vfio-detach(ep)']);
    const o = r.obs('ep');
    assert.equal(o.domain, 'blocked');
    assert.equal(o.atsEnabled, false);
    assert.equal(o.translatedAccepted, false);
    const t = fns(r.trace[4]);
    assert.ok(t.indexOf('pci_disable_ats') >= 0 && t.indexOf('pci_disable_ats') < t.indexOf('arm_smmu_install_ste_for_dev'), t.join(','));
  });

  it('19: mainline RID IDENTITY + PASID: CD-table STE with ATS; the last PASID going restores bypass without ATS (R5.6)', () => {
    const r = run(single('arm-smmu-v3', { fn: CXL_DEV }, PT), 'mainline', ['probe(rp)', 'probe(ep)', 'bind(ep)']);
    assert.equal(r.obs('ep').atsEnabled, false);
    const a = r.step('pasid-attach(ep)');
    assert.equal(errno(a.last), 'ok');
    assert.equal(a.obs('ep').atsEnabled, true);
    assert.equal(a.obs('ep').translatedAccepted, true);
    const d = a.step('pasid-detach(ep)');
    assert.equal(d.obs('ep').atsEnabled, false);
    assert.equal(d.obs('ep').translatedAccepted, false);
  });

  it('20: mainline RID BLOCKED with a PASID attached (VFIO re-attach window): ATS on, Translated accepted (R5.5, violates D2)', () => {
    const r = run(single('arm-smmu-v3', { fn: CXL_DEV }), 'mainline', ['probe(rp)', 'probe(ep)', 'vfio-bind(ep)', 'vfio-attach(ep)', 'pasid-attach(ep)', 'vfio-detach(ep)']);
    assert.deepEqual(r.rets.map(errno), ['ok', 'ok', 'ok', 'ok', 'ok', 'ok']);
    const o = r.obs('ep');
    assert.equal(o.domain, 'blocked');
    assert.equal(o.pasidsAttached, 1);
    assert.equal(o.atsEnabled, true);
    assert.equal(o.translatedAccepted, true);
  });

  it('21: DMA default domain: ATS enabled at the default-domain attach, before any driver binds (R5.3, R4.21)', () => {
    const r = run(single('arm-smmu-v3', { fn: { ats: { pageAligned: true } } }), 'mainline', ['probe(rp)', 'probe(ep)']);
    const o = r.obs('ep');
    assert.equal(o.driver, null);
    assert.equal(o.domain, 'dma');
    assert.equal(o.atsEnabled, true);
    assert.equal(o.stu, 12);
  });

  it('22: nested, guest vSTE EATS=0 → host ATS off; EATS=1 → on (R5.7)', () => {
    const r = run(single('arm-smmu-v3', { fn: { ats: { pageAligned: true } } }), 'mainline', ['probe(rp)', 'probe(ep)', 'vfio-bind(ep)', 'vfio-attach(ep)', 'guest-eats(ep,off)']);
    assert.equal(r.obs('ep').domain, 'nested');
    assert.equal(r.obs('ep').atsEnabled, false);
    const on = r.step('guest-eats(ep,on)');
    assert.equal(on.obs('ep').atsEnabled, true);
    assert.equal(on.obs('ep').translatedAccepted, true);
  });

  it('22: nested attach is refused with -EBUSY while PASIDs are in use (R5.7)', () => {
    const r = run(single('arm-smmu-v3', { fn: CXL_DEV }), 'mainline', ['probe(rp)', 'probe(ep)', 'vfio-bind(ep)', 'vfio-attach(ep)', 'pasid-attach(ep)', 'guest-eats(ep,on)']);
    assert.equal(errno(r.last), 'EBUSY');
    assert.equal(r.obs('ep').domain, 'unmanaged');
  });
});

describe('golden 32 and 35 (MSI)', () => {
  const legacy = (iommu: 'arm-smmu-v3' | 'intel') => {
    const rp = rootPort('rp', 5, { acs: false, driver: PCIEPORT });
    return platform(iommu, [rp, endpoint('fpga', rp, 5, { driver: VFIO_DRV })]);
  };
  it('32: {pcieport, vfio-pci} group on ARM: claim succeeds, the port\'s MSI is lost while VFIO owns the group (R4.23, R6.4)', () => {
    const r = run(legacy('arm-smmu-v3'), 'mainline', ['probe(rp)', 'probe(fpga)', 'bind(rp)', 'vfio-bind(fpga)']);
    assert.equal(r.obs('rp').msi, 'works');
    const a = r.step('vfio-attach(fpga)');
    assert.equal(errno(a.last), 'ok');
    assert.equal(a.obs('rp').domain, 'unmanaged');
    assert.equal(a.obs('rp').msi, 'lost');
    assert.equal(a.step('vfio-detach(fpga)').obs('rp').msi, 'lost', 'BLOCKED does not map the doorbell either');
    assert.equal(a.step('vfio-unbind(fpga)').obs('rp').msi, 'works', 'back in the DMA domain that holds the doorbell mapping');
  });
  it('32: the same on x86: no loss (R4.35)', () => {
    const r = run(legacy('intel'), 'mainline', ['probe(rp)', 'probe(fpga)', 'bind(rp)', 'vfio-bind(fpga)', 'vfio-attach(fpga)']);
    assert.equal(r.obs('rp').msi, 'works');
  });
  it('35: ARM, vectors requested in BLOCKED: iommu_dma_prepare_msi -EOPNOTSUPP; in IDENTITY the physical doorbell works (R4.33, D6)', () => {
    const rp = rootPort('rp', 1);
    const p = platform('arm-smmu-v3', [rp]);
    const r = run(p, 'boot-dma-security,park=blocked', ['probe(rp)', 'accept(rp)', 'bind(rp)']);
    assert.equal(r.obs('rp').domain, 'blocked');
    assert.equal(r.obs('rp').msi, 'failed');
    assert.ok(r.trace[2].some((t) => t.fn === 'iommu_dma_prepare_msi' && /EOPNOTSUPP/.test(t.detail)));
    const pt = platform('arm-smmu-v3', [rp], PT);
    assert.equal(run(pt, 'mainline', ['probe(rp)', 'bind(rp)']).obs('rp').msi, 'works');
  });
});

// The thread's designs as variants of the one model (VERIFICATION.md "Kernel variants" and
// "Semantics the verdicts depend on"): D1, D2, D4–D11, the RFC on non-ARM vendors, profile v6.1.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kernelModel } from '../../src/kernel/model.js';
import { parseVariant } from '../../src/kernel/variants.js';
import { formatEvent } from '../../src/kernel/types.js';
import type { IommuId } from '../../src/kernel/platform.js';
import { ATS_DEV, CXL_DEV, PCIEPORT, RMR, VFIO_DRV, endpoint, errno, platform, rootPort, run, single } from './fixture.js';

const IOMMUS: IommuId[] = ['arm-smmu-v3', 'intel', 'intel-legacy', 'amd'];
const BDS = 'boot-dma-security,park=';

describe('D2 d2-blocked-means-no-ats (Jason, Jan 27/28)', () => {
  for (const iommu of IOMMUS) {
    it(`${iommu}: BLOCKED with no PASID ⇒ ATS off and Translated rejected`, () => {
      const r = run(single(iommu, { fn: CXL_DEV }), 'd2-blocked-means-no-ats', ['probe(rp)', 'probe(ep)', 'vfio-bind(ep)', 'vfio-attach(ep)', 'vfio-detach(ep)']);
      assert.equal(r.obs('ep').domain, 'blocked');
      assert.equal(r.obs('ep').atsEnabled, false);
      assert.equal(r.obs('ep').translatedAccepted, false);
    });
  }
  it('intel scalable: a PASID attached in BLOCKED brings ATS back (PASID use tracked as SMMUv3 does)', () => {
    const r = run(single('intel', { fn: CXL_DEV }), 'd2-blocked-means-no-ats', ['probe(rp)', 'probe(ep)', 'vfio-bind(ep)', 'vfio-attach(ep)', 'vfio-detach(ep)', 'pasid-attach(ep)']);
    assert.equal(errno(r.last), 'ok');
    assert.equal(r.obs('ep').atsEnabled, true);
    assert.equal(r.step('pasid-detach(ep)').obs('ep').atsEnabled, false);
  });
  it('mainline VT-d scalable keeps ATS in BLOCKED (the gap D2 closes, R5.13)', () => {
    const r = run(single('intel', { fn: CXL_DEV }), 'mainline', ['probe(rp)', 'probe(ep)', 'vfio-bind(ep)', 'vfio-attach(ep)', 'vfio-detach(ep)']);
    assert.equal(r.obs('ep').atsEnabled, true);
  });
});

describe('ats-always-on is consumed by SMMUv3 only (§8)', () => {
  for (const iommu of ['intel', 'amd'] as const) {
    it(`${iommu}: same observation as mainline`, () => {
      const evs = ['probe(rp)', 'probe(ep)', 'bind(ep)'];
      const p = single(iommu, { fn: CXL_DEV }, { cmdline: { raw: 'iommu=pt', passthrough: true } });
      assert.deepEqual(run(p, 'ats-always-on', evs).obs('ep'), run(p, 'mainline', evs).obs('ep'));
    });
  }
  it('A5 (RFC patch text): an always-on master whose RID is BLOCKED keeps ATS after its last PASID goes', () => {
    const r = run(single('arm-smmu-v3', { fn: CXL_DEV }), 'ats-always-on', ['probe(rp)', 'probe(ep)', 'vfio-bind(ep)', 'vfio-attach(ep)', 'pasid-attach(ep)', 'vfio-detach(ep)', 'pasid-detach(ep)']);
    const o = r.obs('ep');
    assert.equal(o.domain, 'blocked');
    assert.equal(o.pasidsAttached, 0);
    assert.equal(o.atsEnabled, true);
    assert.equal(o.translatedAccepted, true);
  });
  it('... and under D2 the BLOCKED RID is downgraded when that PASID goes (D2 overrides A5 for BLOCKED)', () => {
    const r = run(single('arm-smmu-v3', { fn: CXL_DEV }), 'ats-always-on,d2-blocked-means-no-ats', ['probe(rp)', 'probe(ep)', 'vfio-bind(ep)', 'vfio-attach(ep)', 'pasid-attach(ep)', 'vfio-detach(ep)', 'pasid-detach(ep)']);
    assert.equal(r.obs('ep').atsEnabled, false);
    assert.equal(r.obs('ep').translatedAccepted, false);
  });
});

describe('D3/D4 boot-dma-security parking', () => {
  const p = single('arm-smmu-v3', { fn: CXL_DEV });
  it('park=blocked: parked at probe, default domain at bind, re-parked at unbind (D3 step 6, D4)', () => {
    const r = run(p, `${BDS}blocked`, ['probe(rp)', 'probe(ep)']);
    assert.equal(r.obs('ep').domain, 'blocked');
    assert.equal(r.obs('ep').atsEnabled, false);
    assert.equal(errno(r.step('bind(ep)').last), 'EPERM', 'not accepted yet (D3 step 4)');
    assert.ok(!kernelModel.enabled(p, parseVariant(`${BDS}blocked`), r.s).map(formatEvent).includes('bind(ep)'));
    const b = r.step('accept(ep)').step('bind(ep)');
    assert.equal(b.obs('ep').domain, 'dma');
    assert.equal(b.obs('ep').atsEnabled, true);
    assert.equal(b.obs('ep').msi, 'works');
    const u = b.step('unbind(ep)');
    assert.equal(u.obs('ep').domain, 'blocked');
    assert.equal(u.obs('ep').atsEnabled, false);
  });
  it('park=blocked: VFIO release returns to the parking domain', () => {
    const r = run(p, `${BDS}blocked`, ['probe(rp)', 'probe(ep)', 'accept(ep)', 'vfio-bind(ep)', 'vfio-attach(ep)', 'vfio-unbind(ep)']);
    assert.equal(r.obs('ep').domain, 'blocked');
  });
  it('park=blocked-except-bridges: a bridge\'s group is not parked, its MSI works on ARM (Nicolin, Feb 18)', () => {
    const r = run(p, `${BDS}blocked-except-bridges`, ['probe(rp)', 'probe(ep)', 'accept(rp)', 'bind(rp)']);
    assert.equal(r.obs('rp').domain, 'dma');
    assert.equal(r.obs('rp').msi, 'works');
    assert.equal(r.obs('ep').domain, 'blocked');
  });
  it('park=empty-dma: no flag, so ATS is not blocked (D7b, Jason Feb 19)', () => {
    const r = run(p, `${BDS}empty-dma`, ['probe(rp)', 'probe(ep)']);
    assert.equal(r.obs('ep').domain, 'empty-dma');
    assert.equal(r.obs('ep').atsEnabled, true);
    assert.equal(r.obs('ep').untranslated, 'none');
  });
  for (const iommu of IOMMUS) {
    it(`park=empty-dma-no-ats on ${iommu}: ATS off and Translated rejected (new flags honoured everywhere)`, () => {
      const r = run(single(iommu, { fn: CXL_DEV }), `${BDS}empty-dma-no-ats`, ['probe(rp)', 'probe(ep)']);
      assert.equal(r.obs('ep').domain, 'empty-dma-no-ats');
      assert.equal(r.obs('ep').atsEnabled, false);
      assert.equal(r.obs('ep').translatedAccepted, false);
    });
  }
  it('park=msi-only: pcieport MSI works on ARM while parked (D8)', () => {
    const r = run(p, `${BDS}msi-only`, ['probe(rp)', 'accept(rp)', 'bind(rp)']);
    assert.equal(r.obs('rp').domain, 'msi-only');
    assert.equal(r.obs('rp').msi, 'works');
    assert.equal(r.obs('rp').untranslated, 'msi-doorbell');
  });
  const gpu = single('arm-smmu-v3', { fn: ATS_DEV, rr: [RMR] });
  it('rmr=keep-direct: require_direct devices are not parked (D5)', () => {
    assert.equal(run(gpu, `${BDS}blocked,rmr=keep-direct`, ['probe(rp)', 'probe(ep)']).obs('ep').domain, 'dma');
  });
  it('rmr=blocking-domain: RMR-only paging domain, ATS off, RMR reachable (D5 "RMR blocking domain")', () => {
    const o = run(gpu, `${BDS}blocked,rmr=blocking-domain`, ['probe(rp)', 'probe(ep)']).obs('ep');
    assert.equal(o.domain, 'rmr-blocking');
    assert.equal(o.atsEnabled, false);
    assert.equal(o.rmrReachable, true);
    assert.equal(o.untranslated, 'reserved');
  });
  it('rmr=ignore: parked like any device; a VFIO claim is still refused (R4.13)', () => {
    const r = run(gpu, `${BDS}blocked,rmr=ignore`, ['probe(rp)', 'probe(ep)']);
    assert.equal(r.obs('ep').domain, 'blocked');
    assert.equal(r.obs('ep').rmrReachable, false);
    assert.equal(errno(r.step('accept(ep)').step('vfio-bind(ep)').step('vfio-attach(ep)').last), 'EINVAL');
  });
});

describe('D4 later members join the group\'s domain', () => {
  const legacy = () => {
    const rp = rootPort('rp', 5, { acs: false, driver: PCIEPORT });
    return platform('arm-smmu-v3', [rp, endpoint('fpga', rp, 5, { fn: ATS_DEV, driver: VFIO_DRV })]);
  };
  it('park=blocked: the endpoint probed after its port joins BLOCKED', () => {
    const r = run(legacy(), `${BDS}blocked`, ['probe(rp)', 'probe(fpga)']);
    assert.equal(r.obs('fpga').domain, 'blocked');
    assert.equal(r.obs('fpga').atsEnabled, false);
  });
  it('park=blocked-except-bridges: the bridge\'s group is unparked, so the unaccepted endpoint joins the default DMA domain with ATS', () => {
    const r = run(legacy(), `${BDS}blocked-except-bridges`, ['probe(rp)', 'probe(fpga)']);
    assert.equal(r.obs('fpga').accepted, false);
    assert.equal(r.obs('fpga').domain, 'dma');
    assert.equal(r.obs('fpga').translatedAccepted, true);
  });
});

describe('D9/D10 dma-mode-enum', () => {
  const legacy = (iommu: IommuId) => {
    const rp = rootPort('rp', 5, { acs: false, driver: PCIEPORT });
    return platform(iommu, [rp, endpoint('fpga', rp, 5, { driver: VFIO_DRV })]);
  };
  const V = `${BDS}blocked,dma-mode-enum`;
  it('pcieport is MSI_ONLY: binding moves BLOCKED to an empty DMA domain, MSI works, no ownership (D9)', () => {
    const r = run(legacy('arm-smmu-v3'), V, ['probe(rp)', 'probe(fpga)', 'accept(rp)', 'bind(rp)']);
    assert.equal(r.obs('rp').dmaMode, 'msi-only');
    assert.equal(r.obs('rp').domain, 'empty-dma');
    assert.equal(r.obs('rp').msi, 'works');
    assert.equal(r.obs('rp').groupOwned, false);
  });
  it('ARM: VFIO refuses a multi-device group with a bound MSI_ONLY member (-EPERM, D10)', () => {
    const r = run(legacy('arm-smmu-v3'), V, ['probe(rp)', 'probe(fpga)', 'accept(rp)', 'bind(rp)', 'accept(fpga)', 'vfio-bind(fpga)', 'vfio-attach(fpga)']);
    assert.equal(errno(r.last), 'EPERM');
    assert.equal(r.obs('rp').msi, 'works');
  });
  it('x86: the same claim succeeds; MSI does not depend on the domain (R4.35)', () => {
    const r = run(legacy('intel'), V, ['probe(rp)', 'probe(fpga)', 'accept(rp)', 'bind(rp)', 'accept(fpga)', 'vfio-bind(fpga)', 'vfio-attach(fpga)']);
    assert.equal(errno(r.last), 'ok');
    assert.equal(r.obs('rp').msi, 'works');
  });
  it('unbinding the MSI_ONLY driver returns the group to BLOCKED', () => {
    const r = run(legacy('arm-smmu-v3'), V, ['probe(rp)', 'probe(fpga)', 'accept(rp)', 'bind(rp)', 'unbind(rp)']);
    assert.equal(r.obs('rp').domain, 'blocked');
  });
  it('an MSI_ONLY bind into a group VFIO owns is refused (-EBUSY)', () => {
    const r = run(legacy('intel'), V, ['probe(rp)', 'probe(fpga)', 'accept(fpga)', 'vfio-bind(fpga)', 'vfio-attach(fpga)', 'accept(rp)', 'bind(rp)']);
    assert.equal(errno(r.last), 'EBUSY');
  });
});

describe('D11 cc-vm-lock-off', () => {
  const p = single('intel', { fn: ATS_DEV, rr: [RMR] }, { ccGuest: true });
  it('CC guest: a require_direct device is probed into BLOCKED and locked; bind and vfio-bind -EPERM', () => {
    const r = run(p, 'cc-vm-lock-off', ['probe(rp)', 'probe(ep)']);
    assert.equal(r.obs('ep').domain, 'blocked');
    assert.equal(r.obs('ep').rmrReachable, false);
    assert.equal(errno(r.step('bind(ep)').last), 'EPERM');
    assert.equal(errno(r.step('vfio-bind(ep)').last), 'EPERM');
  });
  it('mainline CC guest: the hypervisor-given RMR is mapped (the escape D11 closes)', () => {
    const o = run(p, 'mainline', ['probe(rp)', 'probe(ep)']).obs('ep');
    assert.equal(o.domain, 'dma');
    assert.equal(o.rmrReachable, true);
  });
});

describe('D1 cxl-ats-opt-in', () => {
  for (const iommu of ['arm-smmu-v3', 'intel', 'amd'] as const) {
    it(`${iommu}: no ATS for a CXL.cache device before opt-in; re-evaluated at opt-in`, () => {
      const r = run(single(iommu, { fn: CXL_DEV }), 'cxl-ats-opt-in', ['probe(rp)', 'probe(ep)', 'bind(ep)']);
      assert.equal(r.obs('ep').atsEnabled, false);
      assert.equal(r.obs('ep').translatedAccepted, false);
      const o = r.step('opt-in(ep)').obs('ep');
      assert.equal(o.atsEnabled, true);
      assert.equal(o.cxlHpa, true);
    });
  }
  it('untrusted devices stay excluded after opt-in (R1.4)', () => {
    const ext = rootPort('rp', 3, { ext: true });
    const p = platform('arm-smmu-v3', [ext, endpoint('ep', ext, 3, { fn: CXL_DEV })]);
    const o = run(p, 'cxl-ats-opt-in', ['probe(rp)', 'probe(ep)', 'opt-in(ep)']).obs('ep');
    assert.equal(o.untrusted, true);
    assert.equal(o.atsEnabled, false);
  });
});

describe('profile v6.1 (profiles.ts)', () => {
  it('SMMUv3: no vendor BLOCKED domain; VFIO\'s blocking domain is an empty paging domain that keeps ATS on (R4.15)', () => {
    const r = run(single('arm-smmu-v3', { fn: ATS_DEV }), 'profile=v6.1', ['probe(rp)', 'probe(ep)', 'vfio-bind(ep)', 'vfio-attach(ep)', 'vfio-detach(ep)']);
    assert.equal(r.obs('ep').domain, 'empty-paging');
    assert.equal(r.obs('ep').atsEnabled, true);
    assert.equal(r.obs('ep').untranslated, 'none');
  });
  it('VT-d scalable: ATS enabled at attach, not at probe', () => {
    const r = run(single('intel', { fn: ATS_DEV }), 'profile=v6.1', ['probe(rp)', 'probe(ep)']);
    assert.ok(r.trace[1].every((t) => t.fn !== 'iommu_enable_pci_ats' || t.rule === 'R5.13'));
    assert.equal(r.obs('ep').atsEnabled, true);
    const probeIdx = r.trace[1].findIndex((t) => t.fn === 'intel_iommu_attach_device');
    const enIdx = r.trace[1].findIndex((t) => t.fn === 'iommu_enable_pci_ats');
    assert.ok(probeIdx >= 0 && enIdx > probeIdx, 'enabled after the attach started');
  });
  it('ARM: vectors allocated in the cookie-less empty paging domain do not work (6.1 prepare_msi returns 0, doorbell unmapped)', () => {
    const rp = rootPort('rp', 5, { acs: false, driver: PCIEPORT });
    const p = platform('arm-smmu-v3', [rp, endpoint('fpga', rp, 5, { driver: VFIO_DRV })]);
    const r = run(p, 'profile=v6.1', ['probe(rp)', 'probe(fpga)', 'vfio-bind(fpga)', 'vfio-attach(fpga)', 'vfio-detach(fpga)', 'bind(rp)']);
    assert.equal(r.obs('rp').domain, 'empty-paging');
    assert.equal(r.obs('rp').msi, 'failed');
  });
  it('no blocked domain with set_dev_pasid: PASID attach -EOPNOTSUPP (R4.31)', () => {
    const r = run(single('intel', { fn: CXL_DEV }), 'profile=v6.1', ['probe(rp)', 'probe(ep)', 'bind(ep)', 'pasid-attach(ep)']);
    assert.equal(errno(r.last), 'EOPNOTSUPP');
  });
});

// The reference platform against VERIFICATION.md "The reference platform" (the table is the
// oracle: BDF, name, what it is, driver) and the matrix transforms.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { referencePlatform } from '../../src/platform/reference.js';
import { withCcGuest, withIommu, withPassthrough } from '../../src/platform/transform.js';
import { ACS, PCI_VENDOR_ID_CXL } from '../../src/pci/types.js';
import type { DeviceDesc } from '../../src/kernel/platform.js';

const p = referencePlatform();
const dev = (n: string): DeviceDesc => {
  const d = p.devices.find((x) => x.name === n);
  assert.ok(d, n);
  return d;
};
const REQ_ACS = ACS.SV | ACS.RR | ACS.CR | ACS.UF; // R3.1

test('eleven devices, the table\'s names and BDFs, in enumeration order', () => {
  assert.equal(p.name, 'reference');
  assert.deepEqual(
    p.devices.map((d) => [d.bdf, d.name]),
    [
      ['00:01.0', 'rp-cxl'],
      ['01:00.0', 'cxl-accel'],
      ['00:02.0', 'rp-nic'],
      ['02:00.0', 'nic-pf'],
      ['02:00.1', 'nic-vf0'],
      ['00:03.0', 'rp-ext'],
      ['03:00.0', 'ext-cxl'],
      ['00:04.0', 'rp-gpu'],
      ['04:00.0', 'gpu'],
      ['00:05.0', 'rp-legacy'],
      ['05:00.0', 'fpga'],
    ],
  );
  for (const d of p.devices) {
    assert.equal(d.config.issues.length, 0, `${d.name}: ${d.config.issues.map((i) => i.message).join('; ')}`);
    assert.equal(d.config.bdf.bus, parseInt(d.bdf.slice(0, 2), 16), d.name);
    if (d.parent) assert.ok(p.devices.findIndex((x) => x.name === d.parent) < p.devices.indexOf(d), `${d.name} after its parent`);
  }
});

test('root ports: ACS (enabled with the kernel\'s required flags) except rp-legacy; pcieport NO_DMA with MSI', () => {
  for (const n of ['rp-cxl', 'rp-nic', 'rp-ext', 'rp-gpu', 'rp-legacy']) {
    const d = dev(n);
    assert.equal(d.parent, null);
    assert.equal(d.config.pcie?.type, 'root-port');
    assert.equal(d.config.header?.headerType, 1);
    assert.deepEqual(d.driver, { name: 'pcieport', dmaMode: 'no-dma', usesMsi: true });
    if (n === 'rp-legacy') assert.equal(d.config.acs, undefined);
    else assert.equal((d.config.acs?.ctrl ?? 0) & REQ_ACS, REQ_ACS, n);
    assert.equal(d.externalFacing, n === 'rp-ext');
  }
});

test('cxl-accel: ATS page aligned, PASID, PRI, CXL DVSEC Cache+ Mem+; cxl_accel NORMAL with MSI', () => {
  const d = dev('cxl-accel');
  assert.equal(d.parent, 'rp-cxl');
  assert.equal(d.config.ats?.pageAligned, true);
  assert.ok(d.config.pasid);
  assert.ok(d.config.pri);
  const cxl = d.config.dvsecs.find((x) => x.vendor === PCI_VENDOR_ID_CXL && x.id === 0)?.cxlDevice;
  assert.equal(cxl?.cacheCapable, true);
  assert.equal(cxl?.memCapable, true);
  assert.deepEqual(d.driver, { name: 'cxl_accel', dmaMode: 'normal', usesMsi: true });
});

test('nic-pf SR-IOV with ATS and ACS; nic-vf0 its VF with its own ATS, no driver', () => {
  const pf = dev('nic-pf');
  assert.ok(pf.config.sriov && pf.config.sriov.numVfs >= 1);
  assert.ok(pf.config.ats);
  assert.ok(pf.config.acs);
  assert.deepEqual(pf.driver, { name: 'mlx-like', dmaMode: 'normal', usesMsi: true });
  const vf = dev('nic-vf0');
  assert.equal(vf.physfn, 'nic-pf');
  assert.equal(vf.parent, 'rp-nic');
  assert.ok(vf.config.ats);
  assert.equal(vf.driver, null);
  // the VF's routing ID is the PF's plus First VF Offset (SR-IOV 9.3.3.9)
  const sr = pf.config.sriov;
  assert.equal(pf.config.bdf.fn + sr.firstVfOffset, vf.config.bdf.fn);
});

test('ext-cxl below the external-facing rp-ext: ATS, CXL Cache+', () => {
  const d = dev('ext-cxl');
  assert.equal(d.parent, 'rp-ext');
  assert.ok(d.config.ats);
  assert.equal(d.config.dvsecs.find((x) => x.vendor === PCI_VENDOR_ID_CXL && x.id === 0)?.cxlDevice?.cacheCapable, true);
  assert.deepEqual(d.driver, { name: 'cxl_accel', dmaMode: 'normal', usesMsi: true });
});

test('gpu: ATS, PASID, a direct (require_direct) reserved region; fpga: vfio-pci MANUAL behind rp-legacy', () => {
  const g = dev('gpu');
  assert.ok(g.config.ats && g.config.pasid);
  assert.deepEqual(g.reservedRegions.map((r) => r.type), ['direct']);
  assert.ok(g.reservedRegions[0].size > 0n);
  assert.deepEqual(g.driver, { name: 'gpu', dmaMode: 'normal', usesMsi: true });
  const f = dev('fpga');
  assert.equal(f.parent, 'rp-legacy');
  assert.equal(f.driver?.name, 'vfio-pci');
  assert.equal(f.driver?.dmaMode, 'manual');
});

test('defaults: SMMUv3, no command line, bare metal, every feature on', () => {
  assert.equal(p.iommu, 'arm-smmu-v3');
  assert.deepEqual(p.cmdline, { raw: '', noats: false });
  assert.equal(p.ccGuest, false);
  assert.equal(p.features.smmuAts && p.features.s1 && p.features.intelDeviceTlb && p.features.amdIotlb, true);
});

test('transforms return new platforms and leave the original alone', () => {
  const a = withIommu(p, 'amd');
  assert.equal(a.iommu, 'amd');
  assert.equal(p.iommu, 'arm-smmu-v3');
  const on = withPassthrough(p, true);
  assert.equal(on.cmdline.passthrough, true);
  assert.equal(on.cmdline.raw, 'iommu.passthrough=1');
  const off = withPassthrough(on, false);
  assert.equal(off.cmdline.passthrough, false);
  assert.equal(off.cmdline.raw, 'iommu.passthrough=0');
  assert.equal(p.cmdline.passthrough, undefined);
  assert.equal(withCcGuest(p, true).ccGuest, true);
  assert.equal(p.ccGuest, false);
  assert.equal(referencePlatform(), p, 'cached');
});

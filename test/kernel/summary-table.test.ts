// Reference §9 "vendor × RID domain × policy" row by row: ATS Enable at the device and
// whether the IOMMU accepts Translated requests, for an ATS-supported trusted device.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IommuFeatures, IommuId } from '../../src/kernel/platform.js';
import { CXL_DEV, rootPort, endpoint, platform, run } from './fixture.js';

type Dom = 'blocked' | 'identity' | 'dma';
interface Row {
  vendor: IommuId;
  dom: Dom;
  pasid: boolean;
  variant?: string;
  features?: Partial<IommuFeatures>;
  fn?: object;
  ats: boolean;
  tr: boolean;
  src: string;
}

const ROWS: Row[] = [
  { vendor: 'arm-smmu-v3', dom: 'blocked', pasid: false, ats: false, tr: false, src: 'R5.4' },
  { vendor: 'arm-smmu-v3', dom: 'blocked', pasid: false, variant: 'ats-always-on', ats: false, tr: false, src: 'A4' },
  { vendor: 'arm-smmu-v3', dom: 'blocked', pasid: true, ats: true, tr: true, src: 'R5.5' },
  { vendor: 'arm-smmu-v3', dom: 'identity', pasid: false, ats: false, tr: false, src: 'R5.4' },
  { vendor: 'arm-smmu-v3', dom: 'identity', pasid: false, variant: 'ats-always-on', ats: true, tr: true, src: 'A3' },
  { vendor: 'arm-smmu-v3', dom: 'identity', pasid: false, variant: 'ats-always-on', features: { s1: false }, ats: false, tr: false, src: 'A1' },
  { vendor: 'arm-smmu-v3', dom: 'identity', pasid: true, ats: true, tr: true, src: 'R5.6' },
  { vendor: 'arm-smmu-v3', dom: 'dma', pasid: false, ats: true, tr: true, src: 'R5.4' },
  { vendor: 'arm-smmu-v3', dom: 'dma', pasid: true, ats: true, tr: true, src: 'R5.4' },
  { vendor: 'intel', dom: 'blocked', pasid: false, ats: true, tr: true, src: 'R5.13/R5.15' },
  { vendor: 'intel', dom: 'identity', pasid: true, ats: true, tr: true, src: 'R5.13' },
  { vendor: 'intel', dom: 'dma', pasid: false, ats: true, tr: true, src: 'R5.13' },
  { vendor: 'intel-legacy', dom: 'blocked', pasid: false, ats: false, tr: false, src: 'R5.14' },
  { vendor: 'intel-legacy', dom: 'identity', pasid: false, ats: false, tr: false, src: 'R5.14' },
  { vendor: 'intel-legacy', dom: 'dma', pasid: false, ats: true, tr: true, src: 'R5.14' },
  { vendor: 'amd', dom: 'blocked', pasid: false, ats: false, tr: false, src: 'R5.19/R5.20' },
  { vendor: 'amd', dom: 'identity', pasid: false, ats: true, tr: true, src: 'R5.18' },
  { vendor: 'amd', dom: 'identity', pasid: true, ats: true, tr: true, src: 'R5.18' },
  // a PASID-capable device gets IDENTITY from amd_iommu_def_domain_type (R5.21) unless SNP or
  // memory encryption is active: SNP keeps this row's DMA domain
  { vendor: 'amd', dom: 'dma', pasid: false, features: { amdSnp: true }, ats: true, tr: true, src: 'R5.18' },
];

function reach(r: Row, untrusted = false, noats = false) {
  const rp = rootPort('rp', 1, { ext: untrusted });
  const pt = r.dom === 'identity';
  const p = platform(r.vendor, [rp, endpoint('ep', rp, 1, { fn: r.fn ?? CXL_DEV })], {
    features: r.features,
    cmdline: { raw: `${pt ? 'iommu.passthrough=1' : ''}${noats ? ' pci=noats' : ''}`, noats, ...(pt ? { passthrough: true } : {}) },
  });
  const evs = ['probe(rp)', 'probe(ep)'];
  if (r.dom === 'blocked') evs.push('vfio-bind(ep)', 'vfio-attach(ep)', ...(r.pasid ? ['pasid-attach(ep)'] : []), 'vfio-detach(ep)');
  else {
    evs.push('bind(ep)');
    if (r.pasid) evs.push('pasid-attach(ep)');
  }
  const res = run(p, r.variant ?? 'mainline', evs);
  res.rets.forEach((x, i) => assert.ok(x.ok, `${evs[i]}: ${x.ok ? '' : x.why}`));
  return res.obs('ep');
}

describe('§9 summary table', () => {
  for (const r of ROWS) {
    it(`${r.vendor} ${r.dom}${r.pasid ? '+PASID' : ''} ${r.variant ?? 'mainline'}${r.features ? ' ' + JSON.stringify(r.features) : ''}: ATS ${r.ats ? 'on' : 'off'}, TR ${r.tr ? 'yes' : 'no'} (${r.src})`, () => {
      const o = reach(r);
      assert.equal(o.domain === 'dma-fq' ? 'dma' : o.domain, r.dom); // x86 builds default to lazy (R4.4)
      assert.equal(o.pasidsAttached, r.pasid ? 1 : 0);
      assert.equal(o.atsEnabled, r.ats);
      assert.equal(o.translatedAccepted, r.tr);
    });
  }
  for (const vendor of ['arm-smmu-v3', 'intel', 'intel-legacy', 'amd'] as const) {
    it(`${vendor}: untrusted or pci=noats ⇒ ATS off and Translated rejected in every domain (R1.4, R2.5)`, () => {
      for (const dom of ['dma', 'identity'] as const) {
        for (const [u, n] of [[true, false], [false, true]] as const) {
          if (u && dom === 'identity') continue; // R2.6: an untrusted group is forced to DMA
          const o = reach({ vendor, dom, pasid: false, ats: false, tr: false, src: '' }, u, n);
          assert.equal(o.atsEnabled, false, `${dom} untrusted=${u} noats=${n}`);
          assert.equal(o.translatedAccepted, false);
        }
      }
    });
  }
});

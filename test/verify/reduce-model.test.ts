// The independence argument (docs/verification.md) checked against the real model: the
// reductions change the work, never the verdicts or the shortest trace lengths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelModel } from '../../src/kernel/model.js';
import { parseVariant } from '../../src/kernel/variants.js';
import { referencePlatform } from '../../src/platform/reference.js';
import { withIommu, withPassthrough } from '../../src/platform/transform.js';
import { IOMMU_IDS } from '../../src/kernel/platform.js';
import type { Platform } from '../../src/kernel/platform.js';
import { checkCell } from '../../src/verify/check.js';
import type { CellResult } from '../../src/verify/types.js';

const REF = referencePlatform();

function same(a: CellResult, b: CellResult, what: string): void {
  for (const [id, r] of Object.entries(a.results)) {
    const q = b.results[id];
    assert.equal(q.verdict, r.verdict, `${what} ${id}`);
    assert.equal(q.vacuous, r.vacuous, `${what} ${id} vacuous`);
    assert.equal(q.trace?.length, r.trace?.length, `${what} ${id} trace length`);
  }
}

test('unreduced = clusters = clusters + port splitting, on two clusters of the reference platform', () => {
  const two: Platform = { ...REF, devices: REF.devices.filter((d) => ['rp-cxl', 'cxl-accel', 'rp-legacy', 'fpga'].includes(d.name)) };
  for (const [iommu, pt, vt] of [
    ['arm-smmu-v3', true, 'mainline'],
    ['arm-smmu-v3', false, 'boot-dma-security,park=blocked'],
    ['amd', true, 'boot-dma-security,park=blocked,dma-mode-enum'],
  ] as const) {
    const p = withPassthrough(withIommu(two, iommu), pt);
    const v = parseVariant(vt);
    const full = checkCell(kernelModel, p, v, { reduce: false });
    same(full, checkCell(kernelModel, p, v, { splitPorts: false }), `${iommu} ${vt} clusters`);
    same(full, checkCell(kernelModel, p, v), `${iommu} ${vt} split`);
  }
});

test('clusters = clusters + port splitting, on the whole reference platform', () => {
  const variants = [
    'mainline',
    'ats-always-on',
    'cxl-ats-opt-in',
    'boot-dma-security,park=blocked-except-bridges,rmr=blocking-domain',
    'boot-dma-security,park=empty-dma,rmr=keep-direct',
    'ats-always-on,d2-blocked-means-no-ats,boot-dma-security,park=blocked,dma-mode-enum,rmr=blocking-domain',
  ];
  for (const iommu of IOMMU_IDS) {
    for (const vt of variants) {
      const p = withPassthrough(withIommu(REF, iommu), vt.length % 2 === 0);
      const v = parseVariant(vt);
      same(checkCell(kernelModel, p, v, { splitPorts: false }), checkCell(kernelModel, p, v), `${iommu} ${vt}`);
    }
  }
});

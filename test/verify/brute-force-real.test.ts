// Exploration is exhaustive on the real kernel model: the explorer's state count equals a
// brute-force closure computed independently of it — no queue, no parent pointers, no
// reduction: repeatedly apply every enabled event to every known state until nothing new
// appears (a naive fixpoint, as one would compute the reachable set by hand).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explore } from '../../src/verify/explore.js';
import { kernelModel } from '../../src/kernel/model.js';
import { parseVariant, type Variant } from '../../src/kernel/variants.js';
import { referencePlatform } from '../../src/platform/reference.js';
import { withIommu, withPassthrough } from '../../src/platform/transform.js';
import { restrict } from '../../src/verify/reduce.js';
import { IOMMU_IDS, type Platform } from '../../src/kernel/platform.js';

function bruteForceClosure(p: Platform, v: Variant): number {
  type S = ReturnType<typeof kernelModel.init>;
  const known = new Map<string, S>();
  const s0 = kernelModel.init(p, v);
  known.set(kernelModel.key(s0), s0);
  for (;;) {
    const before = known.size;
    for (const s of [...known.values()]) {
      for (const e of kernelModel.enabled(p, v, s)) {
        const t = kernelModel.step(p, v, s, e).state;
        const k = kernelModel.key(t);
        if (!known.has(k)) known.set(k, t);
      }
    }
    if (known.size === before) return known.size;
  }
}

function explorerCount(p: Platform, v: Variant): number {
  const ex = explore({
    init: kernelModel.init(p, v),
    enabled: (s) => kernelModel.enabled(p, v, s),
    step: (s, e) => kernelModel.step(p, v, s, e),
    key: (s) => kernelModel.key(s),
  });
  assert.equal(ex.stats.boundHit, null);
  return ex.stats.states;
}

// Small sub-platforms of the reference platform that exercise VFIO ownership, a shared group
// with a pcieport, PASIDs and parking; every IOMMU; variants that change the event space.
const PARTS = [
  ['rp-legacy', 'fpga'],
  ['rp-cxl', 'cxl-accel'],
];
const VARIANTS = ['mainline', 'boot-dma-security,park=blocked,dma-mode-enum', 'ats-always-on,cxl-ats-opt-in'];

for (const names of PARTS) {
  for (const iommu of IOMMU_IDS) {
    test(`explorer = brute force: {${names.join(', ')}} on ${iommu}`, () => {
      for (const vs of VARIANTS) {
        for (const pt of [false, true]) {
          const p = withPassthrough(withIommu(restrict(referencePlatform(), names), iommu), pt);
          const v = parseVariant(vs);
          const n = explorerCount(p, v);
          assert.ok(n > 1, 'something was explored');
          assert.equal(n, bruteForceClosure(p, v), `${vs}, passthrough ${pt}`);
        }
      }
    });
  }
}

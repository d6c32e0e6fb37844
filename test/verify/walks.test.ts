// Random walks on the WHOLE reference platform (no reduction) against the reduced
// exploration: whatever a walk violates, the explorer must report violated, with a trace no
// longer than the walk's prefix (BFS: shortest). A cross-check of the independence argument
// on the real model where the unreduced space is too big to explore. Seeded, deterministic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelModel } from '../../src/kernel/model.js';
import type { Observation } from '../../src/kernel/types.js';
import { formatEvent } from '../../src/kernel/types.js';
import { parseVariant } from '../../src/kernel/variants.js';
import { referencePlatform } from '../../src/platform/reference.js';
import { withCcGuest, withIommu, withPassthrough } from '../../src/platform/transform.js';
import { checkCell } from '../../src/verify/check.js';
import { INVARIANTS } from '../../src/verify/invariants/index.js';
import { makeCtx } from '../../src/verify/types.js';

function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

const CELLS: [Parameters<typeof withIommu>[1], boolean, boolean, string][] = [
  ['arm-smmu-v3', true, false, 'mainline'],
  ['arm-smmu-v3', false, false, 'boot-dma-security,park=blocked'],
  ['intel', false, false, 'boot-dma-security,park=empty-dma,rmr=keep-direct'],
  ['amd', true, true, 'boot-dma-security,park=empty-dma-no-ats,rmr=blocking-domain'],
  ['arm-smmu-v3', false, false, 'ats-always-on'],
];

test('random walks on the unreduced reference platform find no violation or premise the reduced explorer misses', () => {
  for (const [iommu, pt, cc, vt] of CELLS) {
    const p = withIommu(withPassthrough(withCcGuest(referencePlatform(), cc), pt), iommu);
    const v = parseVariant(vt);
    const ctx = makeCtx(p, v);
    const explored = checkCell(kernelModel, p, v);
    const live = INVARIANTS.filter((i) => i.applies(p, v).applies);
    const rnd = lcg(0x5eed + vt.length);
    for (let walk = 0; walk < 30; walk++) {
      let s = kernelModel.init(p, v);
      let before: Observation = kernelModel.observe(p, v, s);
      const trace: string[] = [];
      for (let step = 0; step < 40; step++) {
        const en = kernelModel.enabled(p, v, s);
        if (en.length === 0) break;
        const e = en[Math.floor(rnd() * en.length)];
        const r = kernelModel.step(p, v, s, e);
        trace.push(formatEvent(e));
        s = r.state;
        const after = kernelModel.observe(p, v, s);
        for (const inv of live) {
          const c = inv.kind === 'state' ? inv.check(ctx, after) : inv.check(ctx, before, e, r.ret, after);
          if (c.premise) assert.notEqual(explored.results[inv.id].vacuous, true, `${iommu} ${vt}: a walk reaches the premise of ${inv.id}`);
          if (c.ok) continue;
          const res = explored.results[inv.id];
          assert.equal(res.verdict, 'violated', `${iommu} ${vt}: walk ${trace.join(' ')} violates ${inv.id} (${c.detail}) but exploration says ${res.verdict}`);
          assert.ok((res.trace?.length ?? Infinity) <= trace.length, `${inv.id}: explored trace longer than a walk's`);
        }
        before = after;
      }
    }
  }
});

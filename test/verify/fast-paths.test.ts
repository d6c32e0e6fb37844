// The explorer's fast paths against the plain model they stand for (docs/performance.md):
// packed state keys vs the readable canonical text, the step/observe session vs
// kernelModel.step/observe, and cross-cell part sharing vs exploring every cell afresh.
// The reference answers are the plain path's: the fast paths must not change one of them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelModel } from '../../src/kernel/model.js';
import { stateKeyText, type KState } from '../../src/kernel/state.js';
import { parseVariant } from '../../src/kernel/variants.js';
import { IOMMU_IDS, type Platform } from '../../src/kernel/platform.js';
import { formatEvent } from '../../src/kernel/types.js';
import { referencePlatform } from '../../src/platform/reference.js';
import { withCcGuest, withIommu, withPassthrough } from '../../src/platform/transform.js';
import { checkCell } from '../../src/verify/check.js';
import type { PartResult } from '../../src/verify/check.js';
import { defaultCombinations } from '../../src/verify/combinations.js';
import { cellPlatform, cellsOf } from '../../src/verify/matrix.js';
import { PartMemo } from '../../src/verify/part-memo.js';
import type { Variant } from '../../src/kernel/variants.js';
import { reachable } from '../support/reachable.js';

const TR = { withIommu, withPassthrough, withCcGuest };


test('packed stateKey: equal keys exactly when the canonical texts are equal', () => {
  const p = withIommu(referencePlatform(), 'arm-smmu-v3');
  const v = parseVariant('boot-dma-security,park=blocked,dma-mode-enum');
  const states = reachable(p, v, 3000);
  assert.ok(states.length >= 3000);
  const byKey = new Map<string, string>();
  for (const s of states) {
    const k = kernelModel.key(s);
    const t = stateKeyText(s);
    const old = byKey.get(k);
    assert.ok(old === undefined || old === t, `two states share packed key: ${old} / ${t}`);
    byKey.set(k, t);
  }
  assert.equal(byKey.size, states.length, 'distinct texts, distinct keys');
  // a structurally different object with the same contents keys the same
  const s = states[states.length - 1];
  const copy: KState = JSON.parse(JSON.stringify(s)) as KState;
  assert.equal(kernelModel.key(copy), kernelModel.key(s));
});

test('session step/observe give what kernelModel.step/observe give, on every reachable (state, event)', () => {
  for (const iommu of IOMMU_IDS) {
    const p = withPassthrough(withIommu(referencePlatform(), iommu), false);
    const v = parseVariant('boot-dma-security,park=blocked,dma-mode-enum,rmr=keep-direct');
    const sess = kernelModel.session(p, v);
    let n = 0;
    for (const s of reachable(p, v, 400)) {
      assert.deepEqual(sess.observe(s), kernelModel.observe(p, v, s));
      for (const e of kernelModel.enabled(p, v, s)) {
        const a = sess.step(s, e);
        const b = kernelModel.step(p, v, s, e);
        assert.equal(stateKeyText(a.state), stateKeyText(b.state), `${iommu} ${formatEvent(e)}`);
        assert.deepEqual(a.ret, b.ret);
        assert.deepEqual(a.trace, b.trace);
        n++;
      }
    }
    assert.ok(sess.stats.stepReused > 0 && sess.stats.observeReused > 0, `${iommu}: the memo was used (${JSON.stringify(sess.stats)})`);
    assert.ok(n > 1000);
  }
});

test('matrix cells: part sharing and the session change no verdict, trace, detail or count', () => {
  const base = referencePlatform();
  const cells = cellsOf(defaultCombinations(), ['arm-smmu-v3', 'intel']);
  const memo = new PartMemo<PartResult>();
  for (const c of cells) {
    const p = cellPlatform(base, c, TR);
    const v = parseVariant(c.variant);
    const fast = checkCell(kernelModel, p, v, { memo });
    const plain = checkCell(kernelModel, p, v, { session: false });
    const strip = (r: typeof fast) => ({ ...r, stats: { ...r.stats, ms: 0 } });
    assert.deepEqual(strip(fast), strip(plain), `${c.iommu} ${c.variant} pt=${c.passthrough}`);
  }
  assert.ok(memo.stats.hits > 0, 'some parts were shared');
});

test('part memo: a run is reused only when every field it read agrees', () => {
  const memo = new PartMemo<string>();
  const p = referencePlatform();
  const v1 = parseVariant('mainline');
  const v2 = parseVariant('cxl-ats-opt-in');
  let runs = 0;
  const readsIommuOnly = (tp: Platform): string => {
    runs++;
    return tp.iommu;
  };
  assert.equal(memo.get('x', p, v1, readsIommuOnly), p.iommu);
  assert.equal(memo.get('x', p, v2, readsIommuOnly), p.iommu, 'variant never read: shared');
  assert.equal(runs, 1);
  const readsOptIn = (_tp: Platform, tv: Variant): string => {
    runs++;
    return String(tv.cxlAtsOptIn);
  };
  assert.equal(memo.get('y', p, v1, readsOptIn), 'false');
  assert.equal(memo.get('y', p, v2, readsOptIn), 'true', 'a read field differs: run again');
  assert.equal(runs, 3);
  assert.equal(memo.get('y', withIommu(p, 'amd'), v2, readsOptIn), 'true', 'iommu not read by this run: shared');
  assert.equal(runs, 3);
  assert.equal(memo.get('x', withIommu(p, 'amd'), v1, readsIommuOnly), 'amd');
  assert.equal(runs, 4);
});

test('part memo: runs whose reads branch on a value are told apart by what they read', () => {
  // a run that asks cxlAtsOptIn first, then the IOMMU (when set) or the profile (when not)
  const memo = new PartMemo<string>();
  const p = referencePlatform();
  const amd = withIommu(p, 'amd');
  const off = parseVariant('mainline');
  const on = parseVariant('cxl-ats-opt-in');
  const v61 = parseVariant('profile=v6.1');
  let runs = 0;
  const branchy = (tp: Platform, tv: Variant): string => {
    runs++;
    return tv.cxlAtsOptIn ? `on ${tp.iommu}` : `off ${tv.profile}`;
  };
  assert.equal(memo.get('b', p, off, branchy), `off ${off.profile}`);
  assert.equal(memo.get('b', amd, off, branchy), `off ${off.profile}`, 'iommu not read on this branch: shared');
  assert.equal(runs, 1);
  assert.equal(memo.get('b', p, on, branchy), `on ${p.iommu}`, 'first field differs: run');
  assert.equal(memo.get('b', amd, on, branchy), 'on amd', 'iommu read on this branch and differs: run');
  assert.equal(runs, 3);
  assert.equal(memo.get('b', p, on, branchy), `on ${p.iommu}`, 'both branches kept');
  assert.equal(memo.get('b', amd, v61, branchy), 'off v6.1', 'profile differs on the off branch: run');
  assert.equal(runs, 4);
});

test('part memo: a run that reads differently for the same values is a model bug, reported', () => {
  const memo = new PartMemo<string>();
  const p = referencePlatform();
  let flip = false;
  // impure: what it reads depends on a hidden flag, not on the inputs
  const impure = (tp: Platform, tv: Variant): string => ((flip = !flip) ? `${tv.cxlAtsOptIn}` : tp.iommu);
  memo.get('i', p, parseVariant('mainline'), impure);
  assert.throws(() => memo.get('i', p, parseVariant('cxl-ats-opt-in'), impure), /IMPOSSIBLE: .*not a pure function/);
});

test('verify --jobs: parts explored on two threads merge to the one-thread cell', async () => {
  const { runCellParallel, runCell } = await import('../../src/verify/matrix.js');
  const base = referencePlatform();
  const spec = { iommu: 'arm-smmu-v3' as const, passthrough: false, ccGuest: false, variant: 'boot-dma-security,park=blocked' };
  const two = await runCellParallel(base, spec, { jobs: 2 });
  const one = runCell(kernelModel, base, spec, TR, {});
  const strip = (c: typeof one) => ({ ...c, stats: { ...c.stats, ms: 0 } });
  assert.ok(one.stats.clusters > 1);
  assert.deepEqual(strip(two), strip(one));
});

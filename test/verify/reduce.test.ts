// Independence reduction: reduced and unreduced exploration give the same verdicts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseVariant } from '../../src/kernel/variants.js';
import { checkCell } from '../../src/verify/check.js';
import { clusters, restrict, splitPorts } from '../../src/verify/reduce.js';
import { kernelModel as toy, endpoint, rootPort, toyPlatform } from './toy-model.js';
import type { DeviceDesc } from '../../src/kernel/platform.js';

const devices: DeviceDesc[] = [
  rootPort('rp1', '00:01.0'),
  endpoint('ep1', '01:00.0', 'rp1', { ats: true, cxl: true }),
  rootPort('rp2', '00:02.0', true),
  endpoint('ext', '02:00.0', 'rp2', { ats: true }),
  rootPort('rp3', '00:03.0'),
  endpoint('ep3', '03:00.0', 'rp3', { driver: false }),
  { ...endpoint('ep3-alias', '03:00.1', 'rp3'), dmaAliasOf: 'ep3' },
];

test('clusters follow parent, alias and group coupling', () => {
  const p = toyPlatform(devices);
  assert.deepEqual(clusters(p, () => ({})), [['rp1', 'ep1'], ['rp2', 'ext'], ['rp3', 'ep3', 'ep3-alias']]);
  // A group spanning two root ports joins their clusters.
  assert.deepEqual(clusters(p, () => ({ rp1: 'g', rp2: 'g' })), [['rp1', 'ep1', 'rp2', 'ext'], ['rp3', 'ep3', 'ep3-alias']]);
  assert.deepEqual(restrict(p, ['rp2', 'ext']).devices.map((d) => d.name), ['rp2', 'ext']);
});

test('reduced (clusters; clusters + port splitting) and unreduced exploration give the same verdicts and trace lengths', () => {
  for (const iommu of ['arm-smmu-v3', 'intel'] as const) {
    const p = toyPlatform(devices.filter((d) => d.name !== 'ep3-alias'), iommu);
    for (const vt of ['mainline', 'boot-dma-security,park=blocked', 'cxl-ats-opt-in']) {
      const v = parseVariant(vt);
      const full = checkCell(toy, p, v, { reduce: false });
      const clus = checkCell(toy, p, v, { reduce: true, splitPorts: false });
      const split = checkCell(toy, p, v, { reduce: true });
      assert.equal(full.stats.clusters, 1);
      assert.equal(clus.stats.clusters, 3);
      assert.equal(split.stats.clusters, 6, 'each root port split from its subtree');
      assert.ok(clus.stats.states < full.stats.states, `${iommu} ${vt}: clusters explore fewer states`);
      assert.ok(split.stats.transitions < clus.stats.transitions, `${iommu} ${vt}: splitting explores fewer transitions`);
      for (const red of [clus, split]) {
        for (const [id, r] of Object.entries(full.results)) {
          const q = red.results[id];
          assert.equal(q.verdict, r.verdict, `${iommu} ${vt} ${id}`);
          assert.equal(q.vacuous, r.vacuous, `${iommu} ${vt} ${id} vacuous`);
          assert.equal(q.trace?.length, r.trace?.length, `${iommu} ${vt} ${id} trace length`);
        }
      }
    }
  }
});

test('splitPorts: only a root port alone in its group, with a subtree, is split', () => {
  const p = toyPlatform(devices);
  const parts = splitPorts(p, ['rp1', 'ep1']);
  assert.deepEqual(parts.map((x) => [x.platform.devices.map((d) => d.name), [...x.frozen]]), [[['rp1'], []], [['rp1', 'ep1'], ['rp1']]]);
  // In a shared group the port stays coupled.
  const shared = splitPorts(p, ['rp1', 'ep1'], () => ({ rp1: 'g', ep1: 'g' }));
  assert.deepEqual(shared.map((x) => [x.platform.devices.map((d) => d.name), [...x.frozen]]), [[['rp1', 'ep1'], []]]);
});

// Property: on random small toy platforms, every reduction level gives the unreduced verdicts.
test('property: reduced = unreduced on random toy platforms (fast-check)', () => {
  const devArb = fc.record({ ext: fc.boolean(), eps: fc.array(fc.record({ ats: fc.boolean(), cxl: fc.boolean(), driver: fc.boolean() }), { maxLength: 2 }) });
  fc.assert(
    fc.property(
      fc.array(devArb, { minLength: 1, maxLength: 2 }).filter((ports) => ports.reduce((n, p) => n + 1 + p.eps.length, 0) <= 4),
      fc.constantFrom('arm-smmu-v3', 'intel', 'amd'),
      fc.constantFrom('mainline', 'boot-dma-security,park=blocked', 'cxl-ats-opt-in'),
      (ports, iommu, vt) => {
        const ds: DeviceDesc[] = [];
        ports.forEach((pt, i) => {
          ds.push(rootPort(`rp${i}`, `00:0${i + 1}.0`, pt.ext));
          pt.eps.forEach((e, j) => ds.push(endpoint(`ep${i}${j}`, `0${i + 1}:00.${j}`, `rp${i}`, e)));
        });
        const p = toyPlatform(ds, iommu as 'arm-smmu-v3' | 'intel' | 'amd');
        const v = parseVariant(vt);
        const full = checkCell(toy, p, v, { reduce: false });
        for (const red of [checkCell(toy, p, v, { splitPorts: false }), checkCell(toy, p, v)]) {
          for (const [id, r] of Object.entries(full.results)) {
            const q = red.results[id];
            if (q.verdict !== r.verdict || q.vacuous !== r.vacuous || q.trace?.length !== r.trace?.length) return false;
          }
        }
        return true;
      },
    ),
    { numRuns: 25, seed: 20260226 },
  );
});

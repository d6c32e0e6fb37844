// The explorer on systems whose answers are known independently of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explore } from '../../src/verify/explore.js';
import { checkCell } from '../../src/verify/check.js';
import { parseVariant } from '../../src/kernel/variants.js';
import { kernelModel as toy, rootPort, endpoint, toyPlatform } from './toy-model.js';
import type { Platform } from '../../src/kernel/platform.js';
import { formatEvent } from '../../src/kernel/types.js';

// Die Hard (TLA+ Examples, DieHard.tla): jugs of 3 and 5 gallons; the shortest way to 4
// gallons in the big jug takes 6 steps, and the reachable space has 16 states.
type Jugs = { s: number; b: number };
type Act = 'FillSmall' | 'FillBig' | 'EmptySmall' | 'EmptyBig' | 'SmallToBig' | 'BigToSmall';
const dieHard = {
  init: { s: 0, b: 0 },
  enabled: (): Act[] => ['FillSmall', 'FillBig', 'EmptySmall', 'EmptyBig', 'SmallToBig', 'BigToSmall'],
  step: (j: Jugs, a: Act): { state: Jugs } => {
    switch (a) {
      case 'FillSmall': return { state: { s: 3, b: j.b } };
      case 'FillBig': return { state: { s: j.s, b: 5 } };
      case 'EmptySmall': return { state: { s: 0, b: j.b } };
      case 'EmptyBig': return { state: { s: j.s, b: 0 } };
      case 'SmallToBig': { const m = Math.min(j.s, 5 - j.b); return { state: { s: j.s - m, b: j.b + m } }; }
      case 'BigToSmall': { const m = Math.min(j.b, 3 - j.s); return { state: { s: j.s + m, b: j.b - m } }; }
    }
  },
  key: (j: Jugs) => `${j.s},${j.b}`,
};

test('Die Hard: BFS finds the 6-step solution and all 16 states', () => {
  let goal = -1;
  const ex = explore(dieHard, {}, {
    onState: (s, id) => {
      if (s.b === 4 && goal < 0) goal = id;
    },
  });
  assert.equal(ex.stats.states, 16);
  assert.equal(ex.stats.boundHit, null);
  assert.ok(goal > 0);
  assert.equal(ex.pathTo(goal).length, 6);
});

test('bounds are reported, never silent', () => {
  assert.equal(explore(dieHard, { maxStates: 5 }).stats.boundHit, 'states');
  assert.equal(explore(dieHard, { maxStates: 5 }).stats.states, 5);
  assert.equal(explore(dieHard, { maxDepth: 2 }).stats.boundHit, 'depth');
  assert.equal(explore(dieHard, { maxDepth: 100 }).stats.boundHit, null);
});

// Brute force, independent of the explorer and of the toy's enabled/step: every per-device
// assignment (absent, or present × accepted × bound-if-it-has-a-driver) whose present
// children have present parents. With root ports never removed, each is reachable.
function bruteForceCount(p: Platform): number {
  const local = (hasDriver: boolean) => {
    const out = [{ p: false, a: false, b: false }];
    for (const a of [false, true]) for (const b of hasDriver ? [false, true] : [false]) out.push({ p: true, a, b });
    return out;
  };
  let assignments: Record<string, { p: boolean }>[] = [{}];
  for (const d of p.devices) {
    const next: Record<string, { p: boolean }>[] = [];
    for (const asg of assignments) for (const l of local(d.driver !== null)) next.push({ ...asg, [d.name]: l });
    assignments = next;
  }
  return assignments.filter((asg) => p.devices.every((d) => !asg[d.name].p || d.parent === null || asg[d.parent].p)).length;
}

const small = toyPlatform([
  rootPort('rp1', '00:01.0'),
  endpoint('ep1', '01:00.0', 'rp1', { ats: true }),
  rootPort('rp2', '00:02.0'),
  endpoint('ep2', '02:00.0', 'rp2', { driver: false }),
]);

test('state count of a toy platform equals a brute-force enumeration', () => {
  const v = parseVariant('mainline');
  const ex = explore({
    init: toy.init(small, v),
    enabled: (s) => toy.enabled(small, v, s),
    step: (s, e) => toy.step(small, v, s, e),
    key: (s) => toy.key(s),
  });
  // rp1 5 states × ep1 (absent, or 4 once rp1 is present) ; rp2 5 × ep2 (absent or 2).
  assert.equal(ex.stats.states, bruteForceCount(small));
  assert.equal(ex.stats.states, (1 + 4 * 5) * (1 + 4 * 3));
});

test('checkCell: shortest counterexample, vacuous holds and n/a', () => {
  // Toy on 'intel': ATS is on from probe, so parking in BLOCKED keeps ATS (the R5.13 shape).
  const p = { ...small, iommu: 'intel' as const };
  const r = checkCell(toy, p, parseVariant('boot-dma-security,park=blocked'), { reduce: false });
  const b = r.results['sec.blocked-means-no-translated'];
  assert.equal(b.verdict, 'violated');
  assert.deepEqual(b.trace?.map(formatEvent), ['probe(rp1)', 'probe(ep1)']);
  // No untrusted device on this platform: holds, vacuously.
  assert.deepEqual(r.results['sec.untrusted-no-ats'], { verdict: 'holds', vacuous: true });
  assert.equal(r.results['sec.no-hypervisor-escape'].verdict, 'n/a');
  assert.equal(r.results['fun.rmr-preserved'].verdict, 'holds');
  assert.equal(r.results['fun.rmr-preserved'].vacuous, true);
});

test('a hit bound turns every not-violated verdict into inconclusive', () => {
  const r = checkCell(toy, small, parseVariant('mainline'), { reduce: false, maxStates: 3 });
  assert.equal(r.stats.boundHit, 'states');
  for (const [id, res] of Object.entries(r.results)) {
    assert.ok(res.verdict === 'violated' || res.verdict === 'inconclusive' || res.verdict === 'n/a', `${id}: ${res.verdict}`);
    assert.notEqual(res.verdict, 'holds');
  }
});

test('transition invariant: an accepted device refused with an undocumented errno', () => {
  const p = toyPlatform([rootPort('rp1', '00:01.0'), endpoint('ep-defer', '01:00.0', 'rp1')]);
  // Under boot-dma-security only an accepted device counts: accept comes first.
  const r = checkCell(toy, p, parseVariant('boot-dma-security,park=blocked'), { reduce: false });
  const a = r.results['fun.accepted-binds'];
  assert.equal(a.verdict, 'violated');
  assert.deepEqual(a.trace?.map(formatEvent), ['probe(rp1)', 'probe(ep-defer)', 'accept(ep-defer)', 'bind(ep-defer)']);
  // Elsewhere accept has no kernel effect, so the bind alone is the shortest witness.
  const m = checkCell(toy, p, parseVariant('mainline'), { reduce: false });
  assert.deepEqual(m.results['fun.accepted-binds'].trace?.map(formatEvent), ['probe(rp1)', 'probe(ep-defer)', 'bind(ep-defer)']);
});

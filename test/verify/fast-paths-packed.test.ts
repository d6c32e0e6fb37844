// The packed explorer's fast paths (docs/performance.md "Unreduced: numeric keys, moves,
// caches") against the plain code they stand for, as in fast-paths.test.ts: the TupleSet
// against a Map of key texts, stateCodes against stateKeyText, the cached enabledEvents
// against the plain enumeration, the session's moves against kernelModel.step, explorePacked
// against explore, and checkCell (settled invariants leaving the loop, the rewritten
// fun.no-silent-msi-loss) against a plain checker written out here, and the per-DeviceObs
// state-invariant answers (DeviceChecks) against the invariants' own checks. The reference answers are
// always the plain path's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { patchedHash, tupleHash, TupleSet } from '../../src/util/tuple-set.js';
import { kernelModel } from '../../src/kernel/model.js';
import { enabledEvents, plainEnabledEvents } from '../../src/kernel/enabled.js';
import { codesWidth, stateCodes, stateKeyText, type KState } from '../../src/kernel/state.js';
import type { Move, PackedSession } from '../../src/kernel/session.js';
import { parseVariant, type Variant } from '../../src/kernel/variants.js';
import { IOMMU_IDS, type Platform } from '../../src/kernel/platform.js';
import type { DeviceObs, KEvent, Observation, StepResult } from '../../src/kernel/types.js';
import { formatEvent } from '../../src/kernel/types.js';
import { referencePlatform } from '../../src/platform/reference.js';
import { withCcGuest, withIommu, withPassthrough } from '../../src/platform/transform.js';
import { explore, explorePacked } from '../../src/verify/explore.js';
import { checkCell } from '../../src/verify/check.js';
import { restrict } from '../../src/verify/reduce.js';
import { INVARIANTS } from '../../src/verify/invariants/index.js';
import { noSilentMsiLoss } from '../../src/verify/invariants/function.js';
import { forDevices } from '../../src/verify/invariants/helpers.js';
import { DeviceChecks } from '../../src/verify/device-checks.js';
import { makeCtx, type Check, type StateInvariant, type TransitionInvariant } from '../../src/verify/types.js';
import { reachable } from '../support/reachable.js';

type Sess = PackedSession<KState>;
const session = (p: Platform, v: Variant): Sess => kernelModel.session(p, v) as Sess;

/** (platform, variant) pairs that exercise every IOMMU, VFIO, PASIDs, parking, D1/D3, CC guests. */
function configs(): [string, Platform, Variant][] {
  const out: [string, Platform, Variant][] = [];
  const vs = ['mainline', 'boot-dma-security,park=blocked,dma-mode-enum,rmr=keep-direct', 'cxl-ats-opt-in,ats-always-on'];
  for (const iommu of IOMMU_IDS) {
    for (const [k, vv] of vs.entries()) {
      const p = withPassthrough(withIommu(referencePlatform(), iommu), k === 1);
      out.push([`${iommu} ${vv}`, p, parseVariant(vv)]);
    }
  }
  out.push(['cc-guest smmu', withCcGuest(withIommu(referencePlatform(), 'arm-smmu-v3'), true), parseVariant('boot-dma-security,park=blocked')]);
  return out;
}


const codesOf = (p: Platform, s: KState): Int32Array => {
  const c = new Int32Array(codesWidth(p));
  stateCodes(s, c, 0);
  return c;
};

test('TupleSet: the ids a Map of key texts gives, for finds, patched finds and patched hashes (fast-check)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 6 }).chain((w) =>
        fc.tuple(fc.constant(w), fc.array(fc.array(fc.integer({ min: -3, max: 40 }), { minLength: w, maxLength: w }), { maxLength: 300 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: -3, max: 40 })), { maxLength: 3 })),
      ),
      ([w, tuples, patch]) => {
        const set = new TupleSet(w);
        const ref = new Map<string, number>();
        for (const t of tuples) {
          const src = Int32Array.from(t);
          const k = t.join(',');
          assert.equal(set.find(src, 0), ref.get(k) ?? -1);
          if (!ref.has(k)) {
            ref.set(k, ref.size);
            assert.equal(set.add(src, 0), ref.get(k));
          }
          assert.equal(set.hashOf(ref.get(k)!), tupleHash(src, 0, w));
          // patching distinct positions: hash and lookup as if the patched tuple were written out
          if (w === 0) continue;
          const uniq = [...new Map(patch.map(([i, c]) => [i % w, c])).entries()];
          const pos = Int32Array.from(uniq.map(([i]) => i));
          const code = Int32Array.from(uniq.map(([, c]) => c));
          const out = src.slice();
          uniq.forEach(([i, c]) => (out[i] = c));
          const h = patchedHash(tupleHash(src, 0, w), src, 0, pos, code);
          assert.equal(h, tupleHash(out, 0, w));
          assert.equal(set.findPatched(src, 0, pos, code, h), ref.get([...out].join(',')) ?? -1);
        }
        assert.equal(set.size, ref.size);
      },
    ),
    { numRuns: 300 },
  );
});

test('stateCodes: equal code vectors exactly when the canonical texts are equal', () => {
  const p = withIommu(referencePlatform(), 'intel');
  const v = parseVariant('boot-dma-security,park=blocked,dma-mode-enum');
  const byCodes = new Map<string, string>();
  const states = reachable(p, v, 3000);
  for (const s of states) {
    const c = codesOf(p, s).join(',');
    const t = stateKeyText(s);
    assert.ok(!byCodes.has(c) || byCodes.get(c) === t, `two states share codes: ${byCodes.get(c)} / ${t}`);
    byCodes.set(c, t);
  }
  assert.equal(byCodes.size, states.length);
});

test('enabledEvents (cached per device once warm) = plainEnabledEvents on every reachable state', () => {
  for (const [name, p0, v] of configs()) {
    for (const p of [p0, restrict(p0, ['rp-nic', 'nic-pf', 'nic-vf0', 'rp-legacy', 'fpga'])]) {
      const states = reachable(p, v, 1200);
      assert.ok(states.length > 300, `${name}: enough states to warm the cache (${states.length}, two calls each)`);
      for (const s of states) {
        const want = plainEnabledEvents(p, v, s);
        assert.deepEqual(enabledEvents(p, v, s), want, name);
        assert.deepEqual(enabledEvents(p, v, s, codesOf(p, s)), want, `${name}, with the codes hint`);
      }
      const s = states[states.length - 1];
      const [a, b] = [enabledEvents(p, v, s), enabledEvents(p, v, s)];
      assert.ok(a.length > 0 && a[0] === b[0] && Object.isFrozen(a[0]), `${name}: the cache answers (shared frozen events)`);
    }
  }
});

test('session moves: apply(move) is step, its codes are the parent codes patched, observeAt and observeFrom are observe', () => {
  for (const [name, p, v] of configs()) {
    const sess = session(p, v);
    let n = 0;
    for (const s of reachable(p, v, 300)) {
      const c = codesOf(p, s);
      const obsS = sess.observeAt(s, c, 0);
      assert.deepEqual(obsS, kernelModel.observe(p, v, s), name);
      for (const e of plainEnabledEvents(p, v, s)) {
        for (const m of [sess.move(s, e, c, 0), sess.move(s, e, c, 0)]) {
          const plain = kernelModel.step(p, v, s, e);
          const t = sess.apply(s, m);
          assert.equal(stateKeyText(t), stateKeyText(plain.state), `${name} ${formatEvent(e)}`);
          assert.deepEqual(m.ret, plain.ret);
          assert.deepEqual(m.trace, plain.trace);
          assert.equal(new Set(m.pos).size, m.pos.length, 'positions distinct');
          const patched = c.slice();
          m.pos.forEach((x, k) => (patched[x] = m.code[k]));
          assert.deepEqual(codesOf(p, t), patched);
          // the successor observed from its parent's observation and the written positions
          assert.deepEqual(sess.observeFrom(t, patched, 0, obsS, m.pos), kernelModel.observe(p, v, t), `${name} ${formatEvent(e)}: observeFrom`);
          n++;
        }
      }
    }
    assert.ok(sess.stats.stepReused > 0 && sess.stats.observeReused > 0, `${name}: the memo was used`);
    assert.ok(n > 1000);
  }
});

/** Everything an exploration reports to its visitor, as text. */
function record<S>(key: (s: S) => string) {
  const log: string[] = [];
  return {
    log,
    onState: (s: S, id: number, depth: number) => log.push(`s ${id} ${depth} ${key(s)}`),
    onTransition: (_f: S, fromId: number, e: KEvent, r: { readonly ret: unknown }, toId: number, isNew: boolean) => log.push(`t ${fromId} ${formatEvent(e)} ${toId} ${isNew} ${JSON.stringify(r.ret)}`),
  };
}

test('explorePacked = explore: the same states, ids, depths, transitions, bounds and shortest paths', () => {
  const cases: [string, Platform, Variant, { maxStates?: number; maxDepth?: number }][] = [
    ['smmu unreduced, state bound', referencePlatform(), parseVariant('mainline'), { maxStates: 4000 }],
    ['intel unreduced, depth bound', withIommu(referencePlatform(), 'intel'), parseVariant('boot-dma-security,park=blocked'), { maxDepth: 6 }],
    ['amd, two clusters, complete', restrict(withIommu(referencePlatform(), 'amd'), ['rp-nic', 'nic-pf', 'nic-vf0', 'rp-legacy', 'fpga']), parseVariant('mainline'), {}],
  ];
  for (const [name, p, v, bounds] of cases) {
    const a = record<KState>(stateKeyText);
    const plain = explore<KState, KEvent, StepResult<KState>>({ init: kernelModel.init(p, v), enabled: (s) => kernelModel.enabled(p, v, s), step: (s, e) => kernelModel.step(p, v, s, e), key: kernelModel.key }, bounds, a);
    const sess = session(p, v);
    const b = record<KState>(stateKeyText);
    const packed = explorePacked<KState, KEvent, Move>(
      { init: kernelModel.init(p, v), width: sess.width, enabled: (s, c) => kernelModel.enabled(p, v, s, c), codes: sess.codes, move: sess.move, apply: sess.apply },
      bounds,
      b,
    );
    assert.deepEqual({ ...packed.stats, ms: 0 }, { ...plain.stats, ms: 0 }, name);
    assert.ok(a.log.length > 1000, `${name}: ${a.log.length} visits`);
    if (Object.keys(bounds).length === 0) assert.equal(plain.stats.boundHit, null);
    assert.deepEqual(b.log, a.log, name);
    for (let id = 0; id < packed.stats.states; id += 7) assert.deepEqual(packed.pathTo(id), plain.pathTo(id));
  }
});

/** fun.no-silent-msi-loss as it read before the rewrite (Object.values, the tests on `b` and
 * `a` interleaved, fresh result objects): the reference for the rewritten one. */
function msiLossReference(before: Observation, e: KEvent, ret: { ok: boolean }, after: Observation): Check {
  const actor = before.devices[e.dev] ?? after.devices[e.dev];
  if (actor === undefined) return { premise: false, ok: true };
  const group = actor.group ?? after.devices[e.dev]?.group ?? null;
  if (group === null) return { premise: false, ok: true };
  let premise = false;
  for (const b of Object.values(before.devices)) {
    const name = b.name;
    if (name === e.dev) continue;
    const a = after.devices[name];
    if (a === undefined || !b.present || b.group !== group || b.msi !== 'works') continue;
    if (b.driver === null || a.driver !== b.driver) continue;
    const lost = a.msi !== 'works';
    if (!ret.ok) {
      premise = true;
      continue;
    }
    if (b.domain === a.domain && !lost) continue;
    premise = true;
    if (lost) return { premise, ok: false, device: name, detail: `${e.kind}(${e.dev}) moved group ${group} ${b.domain} -> ${a.domain}; ${name} (${b.driver}) MSI ${a.msi}, and the event succeeded` };
  }
  return { premise, ok: true };
}

/** The verdicts of a plain checker: the plain explorer, every invariant checked on every state
 * and transition (none leaves the loop), first violations kept. */
function plainVerdicts(p: Platform, v: Variant, maxStates: number) {
  const ctx = makeCtx(p, v);
  const live = INVARIANTS.filter((i) => i.applies(p, v).applies);
  const premise = new Set<string>();
  const found = new Map<string, { at: number; extra?: KEvent; detail: string }>();
  const obs = (s: KState) => kernelModel.observe(p, v, s);
  let msiChecks = 0;
  const ex = explore(
    { init: kernelModel.init(p, v), enabled: (s) => plainEnabledEvents(p, v, s), step: (s, e) => kernelModel.step(p, v, s, e), key: stateKeyText },
    { maxStates },
    {
      onState: (s, id) => {
        const o = obs(s);
        for (const inv of live.filter((i): i is StateInvariant => i.kind === 'state')) {
          const c = inv.check(ctx, o);
          if (c.premise) premise.add(inv.id);
          if (!c.ok && !found.has(inv.id)) found.set(inv.id, { at: id, detail: c.detail ?? '' });
        }
      },
      onTransition: (from, fromId, e, r) => {
        const [b, a] = [obs(from), obs(r.state)];
        for (const inv of live.filter((i): i is TransitionInvariant => i.kind === 'transition')) {
          const c = inv.check(ctx, b, e, r.ret, a);
          if (inv === noSilentMsiLoss) {
            assert.deepEqual({ ...c }, msiLossReference(b, e, r.ret, a), `${formatEvent(e)} from state ${fromId}`);
            msiChecks++;
          }
          if (c.premise) premise.add(inv.id);
          if (!c.ok && !found.has(inv.id)) found.set(inv.id, { at: fromId, extra: e, detail: c.detail ?? '' });
        }
      },
    },
  );
  assert.ok(msiChecks > 1000);
  const out: Record<string, string> = {};
  for (const inv of live) {
    const f = found.get(inv.id);
    if (f !== undefined) out[inv.id] = `violated ${[...ex.pathTo(f.at), ...(f.extra ? [f.extra] : [])].map(formatEvent).join(' ')}: ${f.detail}`;
    else out[inv.id] = ex.stats.boundHit !== null ? 'inconclusive' : premise.has(inv.id) ? 'holds' : 'holds vacuously';
  }
  return { out, states: ex.stats.states, transitions: ex.stats.transitions };
}

test('checkCell unreduced (packed, memo, settled invariants) = a plain checker, and = session: false', () => {
  const cases: [Platform, Variant][] = [
    [referencePlatform(), parseVariant('mainline')],
    [withIommu(referencePlatform(), 'intel'), parseVariant('boot-dma-security,park=blocked,dma-mode-enum')],
    [restrict(withIommu(referencePlatform(), 'arm-smmu-v3'), ['rp-nic', 'nic-pf', 'nic-vf0', 'rp-gpu', 'gpu']), parseVariant('boot-dma-security,park=blocked')],
  ];
  for (const [p, v] of cases) {
    const fast = checkCell(kernelModel, p, v, { reduce: false, maxStates: 2500 });
    const plainCell = checkCell(kernelModel, p, v, { reduce: false, maxStates: 2500, session: false });
    assert.deepEqual({ ...fast, stats: { ...fast.stats, ms: 0 } }, { ...plainCell, stats: { ...plainCell.stats, ms: 0 } });
    const ref = plainVerdicts(p, v, 2500);
    assert.equal(fast.stats.states, ref.states);
    assert.equal(fast.stats.transitions, ref.transitions);
    const got: Record<string, string> = {};
    for (const [id, r] of Object.entries(fast.results)) {
      if (r.verdict === 'n/a') continue;
      got[id] = r.verdict === 'violated' ? `violated ${(r.trace ?? []).map(formatEvent).join(' ')}: ${r.detail}` : r.verdict === 'holds' && r.vacuous ? 'holds vacuously' : r.verdict;
    }
    assert.deepEqual(got, ref.out, `${p.iommu} ${JSON.stringify(v)}`);
    assert.ok(Object.values(got).some((x) => x.startsWith('violated')), 'some invariant settles early');
  }
});

test('DeviceChecks: per-DeviceObs answers give every state invariant\'s own check, on every reachable observation', () => {
  const stateInvs = INVARIANTS.filter((i): i is StateInvariant => i.kind === 'state');
  assert.ok(stateInvs.every((i) => i.perDevice !== undefined), 'every state invariant has the forDevices shape (the fast path applies)');
  for (const [name, p, v] of configs()) {
    const ctx = makeCtx(p, v);
    const dc = new DeviceChecks(ctx, stateInvs.map((i) => i.perDevice!));
    const sess = session(p, v);
    let violations = 0;
    for (const s of reachable(p, v, 400)) {
      const obs = sess.observeAt(s, codesOf(p, s), 0);
      dc.prepare(obs);
      stateInvs.forEach((inv, k) => {
        const want = inv.check(ctx, obs);
        assert.deepEqual(dc.check(k), want, `${name} ${inv.id}`);
        if (!want.ok) violations++;
      });
    }
    assert.ok(violations > 0 || name.startsWith('intel-legacy'), `${name}: violations compared too`);
  }
});

test('forDevices walks the devices in Object.values order (integer-like names first), as before', () => {
  const d = (name: string, bad: boolean): DeviceObs => ({ name, present: true, untrusted: bad }) as DeviceObs;
  const obs: Observation = { devices: { b: d('b', false), '2': d('2', true), a: d('a', true), '1': d('1', false) } };
  const order = Object.values(obs.devices).map((x) => x.name);
  assert.deepEqual(order, ['1', '2', 'b', 'a']);
  const seen: string[] = [];
  const c = forDevices(
    obs,
    (x) => (seen.push(x.name), true),
    (x) => (x.untrusted ? 'bad' : null),
  );
  assert.deepEqual(seen, ['1', '2']);
  assert.deepEqual(c, { premise: true, ok: false, detail: '2: bad', device: '2' });
  assert.deepEqual(forDevices(obs, () => false, () => null), { premise: false, ok: true });
});

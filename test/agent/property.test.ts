// Property tests: random devices × random rule sets. Decisions equal an independent reference
// evaluator written here from the documented semantics (docs/agent.md: first match; every
// test of a rule must hold; single values and one-of match when any value matches, all-of
// when all do, none-of when none does; multi-valued attributes match element-wise; unknown
// device values match nothing; no match → implicit target). And acting on a fake tree binds
// exactly the devices the reference allows: 0 bound that no allow rule matched.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { readlinkSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parsePolicy } from '../../src/agent/rules/load.js';
import { evaluate } from '../../src/agent/rules/evaluate.js';
import { EMPTY_CONTEXT } from '../../src/agent/rules/conditions.js';
import type { AgentDevice, Cap } from '../../src/agent/device.js';
import { runOnce } from '../../src/agent/engine.js';
import { readSysfs } from '../../src/platform/sysfs-reader.js';
import { sysfsDevices } from '../../src/agent/from-sysfs.js';
import { fakeKernel } from './support/fake-kernel.js';
import { hostTree, MATCHES } from './support/tree.js';

type Op = null | 'one-of' | 'all-of' | 'none-of';
type Test =
  | { a: 'id'; op: Op; vals: [string, string][] } // [vendor|*, device|*]
  | { a: 'class'; op: Op; vals: string[][] } // 1–3 parts, each 2 hex or *
  | { a: 'with-cap'; op: Op; vals: Cap[] }
  | { a: 'external' | 'vf'; op: null; vals: [boolean] }
  | { a: 'group-size'; op: null; vals: [string, number] }
  | { a: 'slot' | 'via'; op: Op; vals: string[] };
interface RRule {
  target: 'allow' | 'block' | 'reject';
  tests: Test[];
}

const VENDORS = ['8086', '15b3', '1e98', '10ee'];
const DEVICES = ['1234', '1017', '0c02', '9038'];
const BDFS = ['0000:00:01.0', '0000:00:02.0', '0000:01:00.0', '0000:02:00.0', '0000:03:00.0'];
const CAPS_ALL: Cap[] = ['ats', 'pasid', 'pri', 'sriov', 'cxl-cache', 'cxl-mem', 'cxl-io'];
const CLASSES = [0x020000, 0x060400, 0x120000, 0x010802];

const hx = (n: number, w: number) => n.toString(16).padStart(w, '0');

const arbDevice: fc.Arbitrary<AgentDevice> = fc
  .record({
    v: fc.constantFrom(...VENDORS),
    d: fc.constantFrom(...DEVICES),
    cls: fc.constantFrom(...CLASSES),
    bdf: fc.constantFrom(...BDFS),
    via: fc.subarray(BDFS.slice(0, 2)),
    caps: fc.option(fc.subarray(CAPS_ALL), { nil: null, freq: 5 }),
    external: fc.option(fc.boolean(), { nil: null, freq: 6 }),
    vf: fc.boolean(),
    gs: fc.option(fc.integer({ min: 1, max: 4 }), { nil: null, freq: 6 }),
  })
  .map((r) => ({
    bdf: r.bdf,
    name: null,
    vendor: parseInt(r.v, 16),
    device: parseInt(r.d, 16),
    subsystemVendor: null,
    subsystemDevice: null,
    classCode: r.cls,
    revision: 1,
    path: null,
    via: r.via,
    isBridge: r.cls === 0x060400,
    dsn: null,
    hash: null,
    parentHash: null,
    caps: r.caps === null ? null : new Set(r.caps),
    external: r.external,
    removable: r.external,
    group: r.gs === null ? null : 1,
    groupSize: r.gs,
    vf: r.vf,
    physfn: null,
    driver: null,
    driverOverride: null,
  }));

const arbOp: fc.Arbitrary<Op> = fc.constantFrom(null, 'one-of', 'all-of', 'none-of');
const multi = <T>(op: Op, a: fc.Arbitrary<T>) => (op === null ? a.map((x) => [x]) : fc.array(a, { minLength: 1, maxLength: 3 }));
const arbTest: fc.Arbitrary<Test> = fc.oneof(
  arbOp.chain((op) => multi(op, fc.tuple(fc.constantFrom('*', ...VENDORS), fc.constantFrom('*', ...DEVICES))).map((vals) => ({ a: 'id' as const, op, vals }))),
  arbOp.chain((op) =>
    multi(op, fc.array(fc.constantFrom('*', '02', '06', '12', '00', '04', '08', '01'), { minLength: 1, maxLength: 3 })).map((vals) => ({ a: 'class' as const, op, vals })),
  ),
  arbOp.chain((op) => multi(op, fc.constantFrom(...CAPS_ALL)).map((vals) => ({ a: 'with-cap' as const, op, vals }))),
  fc.tuple(fc.constantFrom('external' as const, 'vf' as const), fc.boolean()).map(([a, b]) => ({ a, op: null, vals: [b] as [boolean] })),
  fc.tuple(fc.constantFrom('', '<', '<=', '>', '>='), fc.integer({ min: 0, max: 4 })).map(([o, n]) => ({ a: 'group-size' as const, op: null, vals: [o, n] as [string, number] })),
  fc.tuple(fc.constantFrom('slot' as const, 'via' as const), arbOp).chain(([a, op]) => multi(op, fc.constantFrom(...BDFS)).map((vals) => ({ a, op, vals }))),
);
const arbRule: fc.Arbitrary<RRule> = fc.record({
  target: fc.constantFrom('allow' as const, 'block' as const, 'reject' as const),
  tests: fc.uniqueArray(arbTest, { maxLength: 3, selector: (t) => t.a }),
});

function valText(t: Test, i: number): string {
  switch (t.a) {
    case 'id':
      return `${t.vals[i][0]}:${t.vals[i][1]}`;
    case 'class':
      return t.vals[i].join(':');
    case 'external':
    case 'vf':
      return t.vals[0] ? 'yes' : 'no';
    case 'group-size':
      return `${t.vals[0]}${t.vals[1]}`;
    default:
      return String(t.vals[i]);
  }
}
function render(r: RRule): string {
  const parts: string[] = [r.target];
  for (const t of r.tests) {
    const vs = t.vals.map((_, i) => valText(t, i));
    parts.push(t.op === null ? `${t.a} ${vs[0]}` : `${t.a} ${t.op} { ${[...new Set(vs)].join(' ')} }`);
  }
  return parts.join(' ');
}

/** The reference: single-value predicates written out per attribute. */
function refOne(t: Test, i: number, d: AgentDevice, elem?: string): boolean {
  switch (t.a) {
    case 'id': {
      const [v, dv] = t.vals[i];
      return (v === '*' || v === hx(d.vendor!, 4)) && (dv === '*' || dv === hx(d.device!, 4));
    }
    case 'class': {
      const have = [hx(d.classCode! >> 16, 2), hx((d.classCode! >> 8) & 0xff, 2), hx(d.classCode! & 0xff, 2)];
      return t.vals[i].every((p, k) => p === '*' || p === have[k]);
    }
    case 'with-cap':
      return elem === t.vals[i];
    case 'slot':
      return d.bdf === t.vals[i];
    case 'via':
      return elem === t.vals[i];
    default:
      return false;
  }
}
function refTest(t: Test, d: AgentDevice): boolean {
  if (t.a === 'external') return d.external !== null && d.external === t.vals[0];
  if (t.a === 'vf') return d.vf === t.vals[0];
  if (t.a === 'group-size') {
    if (d.groupSize === null) return false;
    const [o, n] = t.vals;
    const g = d.groupSize;
    return o === '' ? g === n : o === '<' ? g < n : o === '<=' ? g <= n : o === '>' ? g > n : g >= n;
  }
  const isMulti = t.a === 'with-cap' || t.a === 'via';
  if (t.a === 'with-cap' && d.caps === null) return false;
  const elems: (string | undefined)[] = t.a === 'with-cap' ? [...d.caps!] : t.a === 'via' ? [...d.via] : [undefined];
  const hit = (i: number): boolean => elems.some((e) => refOne(t, i, d, e));
  const idx = t.vals.map((_, i) => i);
  if (isMulti && elems.length === 0) return t.op === 'none-of';
  if (t.op === null || t.op === 'one-of') return idx.some(hit);
  if (t.op === 'all-of') return idx.every(hit);
  return !idx.some(hit);
}
function refDecide(rules: RRule[], d: AgentDevice, implicit: string): { target: string; rule: number | null } {
  for (let i = 0; i < rules.length; i++) if (rules[i].tests.every((t) => refTest(t, d))) return { target: rules[i].target, rule: i + 1 };
  return { target: implicit, rule: null };
}

describe('property: the evaluator equals an independent reference', () => {
  it('random devices × random rule sets: same target, same deciding rule', () => {
    fc.assert(
      fc.property(fc.array(arbRule, { maxLength: 6 }), fc.constantFrom('allow', 'block', 'reject'), fc.array(arbDevice, { minLength: 1, maxLength: 6 }), (rules, implicit, devs) => {
        const p = parsePolicy([{ file: 'prop.rules', text: `set implicit-target ${implicit}\n` + rules.map(render).join('\n') }]);
        assert.equal(p.rules.length, rules.length);
        for (const d of devs) {
          const ours = evaluate(p, d, EMPTY_CONTEXT).outcome;
          const ref = refDecide(rules, d, implicit);
          assert.equal(ours.target, ref.target, `${render(rules[(ref.rule ?? 1) - 1] ?? { target: 'allow', tests: [] })} on ${JSON.stringify({ ...d, caps: d.caps && [...d.caps] })}`);
          assert.equal(ours.by.kind === 'rule' ? ours.by.rule.id : null, ref.rule);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('property: acting binds exactly what the reference allows', () => {
  const cleanups: (() => void)[] = [];
  after(() => cleanups.forEach((c) => c()));
  it('0 devices bound that no allow rule matched (fake tree, fake kernel, random policies and initial bindings)', () => {
    fc.assert(
      fc.property(fc.array(arbRule, { maxLength: 4 }), fc.constantFrom('allow', 'block', 'reject'), fc.subarray(Object.keys(MATCHES)), (rules, implicit, prebound) => {
        const t = hostTree({ bound: Object.fromEntries(prebound.map((b) => [b, MATCHES[b]])) });
        cleanups.push(t.cleanup);
        const devs = sysfsDevices(readSysfs(t.root));
        const want = new Map(devs.map((d) => [d.bdf, refDecide(rules, d, implicit).target]));
        const policy = parsePolicy([{ file: 'p', text: `set implicit-target ${implicit}\n${rules.map(render).join('\n')}` }]);
        runOnce({ root: t.root, policy, store: null, apply: true, actor: 'prop', writer: fakeKernel(MATCHES) });
        // `reject` removes the function (sysfs `remove`: pci_stop_and_remove_bus_device), and with
        // a bridge its whole subtree: a device below a rejected bridge is gone, whatever its rule.
        const via = new Map(devs.map((d) => [d.bdf, d.via]));
        for (const [bdf, decided] of want) {
          const target = (via.get(bdf) ?? []).some((b) => want.get(b) === 'reject') ? 'removed with its bridge' : decided;
          let bound: string | null = null;
          try {
            bound = readlinkSync(join(t.root, 'sys/bus/pci/devices', bdf, 'driver'));
          } catch {
            bound = null;
          }
          if (target === 'allow') assert.ok(bound !== null, `${bdf} allowed but not bound`);
          else assert.equal(bound, null, `${bdf} bound though the reference says ${target}`);
        }
      }),
      { numRuns: 15 },
    );
  });
});

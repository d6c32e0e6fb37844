// First-match evaluation of a policy against one device, with the reasons `explain` prints:
// for each earlier rule the first test that failed, for the deciding rule every test.
// Settings come first: the present-device policy (when not apply-policy) and the bridge
// policy (allow/keep) decide before any rule is scanned; then the rules; then the implicit
// target.
import type { AgentDevice } from '../device.js';
import type { AttrTest, AllowOptions, Policy, Rule, Target } from './ast.js';
import { evalCondition, type DecideContext } from './conditions.js';
import { formatCondition } from './parser.js';

export type Verdict = Target | 'keep';

/** Who decided: a rule, the implicit target, or a setting. */
export type DecidedBy =
  | { readonly kind: 'rule'; readonly rule: Rule }
  | { readonly kind: 'implicit' }
  | { readonly kind: 'present-device-policy' }
  | { readonly kind: 'bridge-policy' };

export interface Outcome {
  readonly target: Verdict;
  readonly by: DecidedBy;
  readonly options: AllowOptions;
}

export interface TestResult {
  readonly test: string;
  readonly ok: boolean;
  /** The device's value(s) as the rule saw them. */
  readonly value: string;
}

export interface RuleTrace {
  readonly rule: Rule;
  readonly matched: boolean;
  /** Not matched: the first failing test only; matched: every test. */
  readonly tests: readonly TestResult[];
}

function showValue(v: string | readonly string[] | null): string {
  if (v === null) return 'unknown';
  if (typeof v === 'string') return v === '' ? '""' : v;
  return v.length === 0 ? '{ }' : `{ ${v.join(' ')} }`;
}

function testText(t: AttrTest): string {
  const vals = t.values.map((v) => v.text);
  return t.op === null ? `${t.attr.name} ${vals[0]}` : `${t.attr.name} ${t.op} { ${vals.join(' ')} }`;
}

/** One attribute test against a device. Unknown values match nothing (not even none-of):
 * an attribute that could not be read is never evidence. */
export function runTest(t: AttrTest, d: AgentDevice): boolean {
  const v = t.attr.read(d);
  if (v === null) return false;
  const vs = typeof v === 'string' ? [v] : v;
  const hit = (p: (typeof t.values)[number]): boolean => vs.some((x) => p.test(x));
  if (t.op === null || t.op === 'one-of') return t.values.some(hit);
  if (t.op === 'all-of') return t.values.every(hit);
  return !t.values.some(hit);
}

export function traceRule(r: Rule, d: AgentDevice, ctx: DecideContext): RuleTrace {
  const results: TestResult[] = [];
  for (const t of r.tests) {
    const ok = runTest(t, d);
    const res = { test: testText(t), ok, value: showValue(t.attr.read(d)) };
    if (!ok) return { rule: r, matched: false, tests: [res] };
    results.push(res);
  }
  if (r.condition !== null) {
    const ok = evalCondition(r.condition, ctx);
    const res = { test: `if ${formatCondition(r.condition)}`, ok, value: ok ? 'true' : 'false' };
    if (!ok) return { rule: r, matched: false, tests: [res] };
    results.push(res);
  }
  return { rule: r, matched: true, tests: results };
}

export interface Evaluation {
  readonly outcome: Outcome;
  /** Rules scanned, in order, up to and including the deciding one. */
  readonly trace: readonly RuleTrace[];
}

export function evaluate(p: Policy, d: AgentDevice, ctx: DecideContext): Evaluation {
  const s = p.settings;
  if (ctx.presentAtStart && s.presentDevicePolicy !== 'apply-policy') {
    return { outcome: { target: s.presentDevicePolicy, by: { kind: 'present-device-policy' }, options: {} }, trace: [] };
  }
  if (d.isBridge && s.bridgePolicy !== 'apply-policy') {
    return { outcome: { target: s.bridgePolicy, by: { kind: 'bridge-policy' }, options: {} }, trace: [] };
  }
  const trace: RuleTrace[] = [];
  for (const r of p.rules) {
    const t = traceRule(r, d, ctx);
    trace.push(t);
    if (t.matched) return { outcome: { target: r.target, by: { kind: 'rule', rule: r }, options: r.options }, trace };
  }
  return { outcome: { target: s.implicitTarget, by: { kind: 'implicit' }, options: {} }, trace };
}

export function decidedByText(b: DecidedBy): string {
  switch (b.kind) {
    case 'rule':
      return `rule ${b.rule.id} (${b.rule.pos.file}:${b.rule.pos.line}): ${b.rule.text}`;
    case 'implicit':
      return 'implicit target (no rule matched)';
    case 'present-device-policy':
      return 'present-device-policy setting';
    case 'bridge-policy':
      return 'bridge-policy setting';
  }
}

// The rule language: grammar, FILE:LINE:COL errors (positions counted by hand from the
// sources below), did-you-mean, rules.d ordering, first-match semantics, explain traces.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { parsePolicy, loadPolicy } from '../../src/agent/rules/load.js';
import { RuleError, RuleErrors } from '../../src/agent/rules/errors.js';
import { evaluate } from '../../src/agent/rules/evaluate.js';
import { EMPTY_CONTEXT } from '../../src/agent/rules/conditions.js';
import type { AgentDevice } from '../../src/agent/device.js';

const tmp = mkdtempSync(join(tmpdir(), 'dmagate-rules-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

export function dev(o: Partial<AgentDevice> = {}): AgentDevice {
  return {
    bdf: '0000:01:00.0',
    name: null,
    vendor: 0x8086,
    device: 0x1234,
    subsystemVendor: 0x8086,
    subsystemDevice: 0x0001,
    classCode: 0x020000,
    revision: 1,
    path: '/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0',
    via: ['0000:00:01.0'],
    isBridge: false,
    dsn: '00-11-22-33-44-55-66-77',
    hash: 'sha256:' + 'ab'.repeat(32),
    parentHash: 'sha256:' + 'cd'.repeat(32),
    caps: new Set(['ats', 'pasid']),
    external: false,
    removable: false,
    group: 3,
    groupSize: 1,
    vf: false,
    physfn: null,
    driver: null,
    driverOverride: null,
    ...o,
  };
}

const P = (text: string) => parsePolicy([{ file: 'r.rules', text }]);
function errorsOf(text: string): string[] {
  try {
    P(text);
  } catch (e) {
    assert.ok(e instanceof RuleErrors, String(e));
    return e.errors.map((x) => x.message);
  }
  return [];
}

describe('grammar', () => {
  it('parses targets, attributes, sets, options and conditions into canonical text', () => {
    const p = P(
      [
        'allow id 8086:* class 02 with-cap all-of { ats pasid } with driver vfio-pci domain identity ats opt-in if !false',
        'block   external   # a comment',
      ].join('\n'),
    );
    assert.equal(p.rules.length, 2);
    assert.equal(p.rules[0].text, 'allow id 8086:* class 02 with-cap all-of { ats pasid } with driver vfio-pci domain identity ats opt-in if !false');
    assert.deepEqual(p.rules[0].options, { driver: 'vfio-pci', domain: 'identity', atsOptIn: true });
    assert.equal(p.rules[1].text, 'block external yes');
    assert.equal(p.rules[1].id, 2);
    assert.equal(p.settings.implicitTarget, 'block', 'default implicit target is block');
  });

  it('line continuation joins one rule over several lines; ids count rules only', () => {
    const p = P('set implicit-target reject\nallow id 1234:5678 \\\n  label "two lines"\n\n# nothing\nblock');
    assert.equal(p.rules.length, 2);
    assert.equal(p.rules[0].text, 'allow id 1234:5678 label "two lines"');
    assert.equal(p.rules[0].pos.line, 2);
    assert.equal(p.settings.implicitTarget, 'reject');
  });

  it('the policy digest changes with a rule or a setting, not with comments', () => {
    const a = P('allow id 1234:*').digest;
    assert.equal(P('# hi\nallow   id 1234:*  # there').digest, a);
    assert.notEqual(P('allow id 1234:5678').digest, a);
    assert.notEqual(P('set implicit-target allow\nallow id 1234:*').digest, a);
  });
});

describe('errors: FILE:LINE:COL and did-you-mean', () => {
  it('reports every error of a file at its token, in line order', () => {
    const src = ['allow id 8086:12345', 'allow with-caps ats', 'block with-cap atz', 'allow class 02 with domain identiy', 'reject "unterminated', 'set implicit-target alow', 'deny id 1:2'].join('\n');
    assert.deepEqual(errorsOf(src), [
      'r.rules:1:10: id wants VVVV:DDDD (4 hex digits each, * for any), got "8086:12345"',
      'r.rules:2:7: unknown attribute "with-caps" (did you mean "with-cap"?) (known: id, subsystem, class, slot, via, path, dsn, hash, parent-hash, with-cap, external, removable, group-size, vf, driver, label)',
      'r.rules:3:16: unknown capability "atz" (did you mean "ats"?) (known: ats, pasid, pri, sriov, cxl-cache, cxl-mem, cxl-io)',
      'r.rules:4:28: domain wants dma, dma-fq, identity, got "identiy" (did you mean "identity"?)',
      'r.rules:5:8: unterminated string: a " is missing before the end of the line',
      'r.rules:6:21: implicit-target wants allow, block, reject, got "alow" (did you mean "allow"?)',
      'r.rules:7:1: a rule starts with allow, block or reject (or "set" for a setting), got "deny"',
    ]);
  });

  it('semantic errors: options on block, duplicate attribute, empty set, attribute after with, bad BDF', () => {
    assert.deepEqual(errorsOf('block id 1234:* with driver x'), ['r.rules:1:17: options ("with …") only make sense on allow rules, not block']);
    assert.deepEqual(errorsOf('allow id 1234:* id 5678:*'), ['r.rules:1:17: attribute id given twice (first at column 7); use one-of/all-of { … } for several values']);
    assert.deepEqual(errorsOf('allow id one-of { }'), ['r.rules:1:10: id one-of { } is empty: give at least one value']);
    assert.deepEqual(errorsOf('allow with driver x class 02'), ['r.rules:1:21: unknown allow option "class" (known: driver NAME, domain dma|dma-fq|identity, ats opt-in)']);
    assert.deepEqual(errorsOf('allow slot 0:1f.0'), ['r.rules:1:12: slot wants a PCI address [DDDD:]BB:DD.F, got "0:1f.0"']);
    assert.deepEqual(errorsOf('allow if iommu(intell)'), ['r.rules:1:10: unknown IOMMU "intell" (did you mean "intel"?) (known: arm-smmu-v3, intel, intel-legacy, amd)']);
    assert.deepEqual(errorsOf('allow id 1234:*\tif presnt-at-start'), ['r.rules:1:20: unknown condition "presnt-at-start" (did you mean "present-at-start"?) (known: true, false, present-at-start, iommu, cmdline, tsm-present)']);
    // at the end of a line the position is just past the last token
    assert.deepEqual(errorsOf('allow id one-of { 1234:* '), ['r.rules:1:25: a value or "}" in id one-of { … } expected at the end of the line']);
  });

  it('every RuleError is an InputError (the CLI maps it to exit 2)', async () => {
    const { InputError } = await import('../../src/util/errors.js');
    assert.ok(new RuleError({ file: 'f', line: 1, col: 1 }, 'x') instanceof InputError);
  });

  it('fuzz: arbitrary text either parses or fails with positioned RuleErrors, never anything else', () => {
    const alphabet = fc.constantFrom(...'allow block reject id class with-cap one-of { } " \\ ! ( ) if with driver # 8086:* 06:04 \n \t yes no set'.split(' '), ' ', '\n', 'x', '*', ':', '"');
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 40 }), (parts) => {
        const text = parts.join(' ');
        try {
          P(text);
        } catch (e) {
          if (!(e instanceof RuleErrors)) throw e;
          for (const x of e.errors) {
            assert.match(x.message, /^r\.rules:\d+:\d+: /);
            assert.ok(x.pos.line >= 1 && x.pos.line <= text.split('\n').length);
          }
        }
      }),
      { numRuns: 400 },
    );
  });
});

describe('files and rules.d', () => {
  it('a folder is read in lexical order of *.rules; other files are ignored; errors name their file', () => {
    const d = join(tmp, 'rules.d');
    mkdirSync(d);
    writeFileSync(join(d, '20-b.rules'), 'block id 1234:*\n');
    writeFileSync(join(d, '10-a.rules'), 'allow id 1234:5678\n');
    writeFileSync(join(d, 'README'), 'not rules\n');
    const p = loadPolicy([d]);
    assert.deepEqual(p.rules.map((r) => r.text), ['allow id 1234:5678', 'block id 1234:*']);
    writeFileSync(join(d, '30-c.rules'), '\n\nallow idd 1:2\n');
    assert.throws(() => loadPolicy([d]), (e: Error) => e.message === `${join(d, '30-c.rules')}:3:7: unknown attribute "idd" (did you mean "id"?) (known: id, subsystem, class, slot, via, path, dsn, hash, parent-hash, with-cap, external, removable, group-size, vf, driver, label)`);
  });
});

describe('first match, implicit target, settings', () => {
  const ctx = EMPTY_CONTEXT;
  it('the first matching rule decides; an earlier non-matching rule is skipped with its first failing test', () => {
    const p = P('allow id 15b3:* class 02\nreject with-cap one-of { pri cxl-cache }\nblock class 02:00\nallow');
    const ev = evaluate(p, dev(), ctx);
    assert.equal(ev.outcome.target, 'block');
    assert.equal(ev.trace.length, 3);
    assert.deepEqual(ev.trace[0].tests, [{ test: 'id 15b3:*', ok: false, value: '8086:1234' }]);
    assert.deepEqual(ev.trace[1].tests, [{ test: 'with-cap one-of { pri cxl-cache }', ok: false, value: '{ ats pasid }' }]);
    assert.deepEqual(ev.trace[2].tests, [{ test: 'class 02:00', ok: true, value: '02:00:00' }]);
  });

  it('no rule matches → the implicit target, recorded as implicit', () => {
    const p = P('set implicit-target reject\nallow id 1111:*');
    const ev = evaluate(p, dev(), ctx);
    assert.equal(ev.outcome.target, 'reject');
    assert.equal(ev.outcome.by.kind, 'implicit');
  });

  it('sets: one-of, all-of, none-of on single and multi-valued attributes; via matches any upstream bridge', () => {
    const t = (rule: string, d = dev()) => evaluate(P(rule), d, ctx).outcome.by.kind === 'rule';
    assert.ok(t('allow id one-of { 1111:* 8086:1234 }'));
    assert.ok(!t('allow id all-of { 8086:* *:9999 }'));
    assert.ok(t('allow id all-of { 8086:* *:1234 }'));
    assert.ok(t('allow with-cap ats'));
    assert.ok(!t('allow with-cap all-of { ats pri }'));
    assert.ok(t('allow with-cap none-of { pri cxl-cache }'));
    assert.ok(t('allow via 00:01.0'));
    assert.ok(t('allow via 0000:00:01.0 slot 01:00.0'));
    assert.ok(!t('allow via 00:02.0'));
    assert.ok(t('allow group-size 1'));
    assert.ok(!t('allow group-size >1'));
    assert.ok(t('allow path "/sys/devices/pci0000:00/*/0000:01:00.0"'));
    assert.ok(t('allow driver none'));
    assert.ok(t('allow driver "mlx*"', dev({ driver: 'mlx5_core' })));
    assert.ok(t('allow dsn 00-11-22-33-44-55-66-77 hash sha256:' + 'AB'.repeat(32)));
    assert.ok(t('allow external no vf no removable no'));
    assert.ok(!t('allow external'));
  });

  it('unknown values match nothing, not even none-of (an unreadable attribute is never evidence)', () => {
    const d = dev({ caps: null, hash: null });
    assert.equal(evaluate(P('allow with-cap none-of { cxl-cache }'), d, ctx).outcome.by.kind, 'implicit');
    assert.equal(evaluate(P('allow hash sha256:' + 'ab'.repeat(32)), d, ctx).outcome.by.kind, 'implicit');
  });

  it('conditions see the context; bridge-policy and present-device-policy decide before rules', () => {
    const p = P('allow if all-of { present-at-start iommu(intel) cmdline(iommu=pt) }');
    assert.equal(evaluate(p, dev(), { ...ctx, iommu: 'intel', cmdline: ['iommu=pt'] }).outcome.target, 'allow');
    assert.equal(evaluate(p, dev(), { ...ctx, iommu: 'amd', cmdline: ['iommu=pt'] }).outcome.by.kind, 'implicit');
    const b = P('set bridge-policy allow\nblock');
    assert.equal(evaluate(b, dev({ isBridge: true }), ctx).outcome.by.kind, 'bridge-policy');
    assert.equal(evaluate(b, dev(), ctx).outcome.target, 'block');
    const k = P('set present-device-policy keep\nblock');
    assert.equal(evaluate(k, dev(), ctx).outcome.target, 'keep');
    assert.equal(evaluate(k, dev(), { ...ctx, presentAtStart: false }).outcome.target, 'block');
  });
});

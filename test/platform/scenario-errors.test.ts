// Loader errors: every class names the key path and line:column; all errors are collected.
// Inputs are written here line by line, so the expected positions are read off the text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadScenario } from '../../src/platform/scenario.js';
import { formatError, formatPath } from '../../src/platform/errors.js';
import type { ScenarioError } from '../../src/platform/errors.js';

const BASE = [
  'platform:', //                                      1
  '  name: tiny', //                                   2
  '  iommu: arm-smmu-v3', //                           3
  '  devices:', //                                     4
  '    - name: rp', //                                 5
  '      bdf: "00:01.0"', //                           6
  '      config: { type: root-port }', //              7
  '      driver: { name: pcieport, dmaMode: no-dma, usesMsi: true }', // 8
  '    - name: ep', //                                 9
  '      bdf: "01:00.0"', //                           10
  '      parent: rp', //                               11
  '      config: { type: endpoint, caps: { ats: true } }', // 12
  '      driver: { name: foo, dmaMode: normal }', //   13
  'variant: mainline', //                              14
  'events: [ "probe(rp)", "probe(ep)" ]', //           15
];

function load(lines: string[]): readonly ScenarioError[] {
  const r = loadScenario(lines.join('\n') + '\n', '/tmp/t.yaml');
  assert.ok(r.errors, 'expected errors');
  return r.errors;
}
const edit = (i: number, line: string): string[] => BASE.map((l, j) => (j === i - 1 ? line : l));
const one = (errs: readonly ScenarioError[], code: string): ScenarioError => {
  const hits = errs.filter((e) => e.code === code);
  assert.equal(hits.length, 1, `one ${code} in ${errs.map(formatError).join('; ')}`);
  return hits[0];
};

test('the base scenario loads', () => {
  const r = loadScenario(BASE.join('\n'), '/tmp/t.yaml');
  assert.equal(r.errors, undefined, r.errors?.map(formatError).join('\n'));
  assert.equal(r.scenario?.platform.devices.length, 2);
  assert.deepEqual(r.scenario?.events.map((e) => e.dev), ['rp', 'ep']);
});

test('unknown key: path ends in the key, position is the key', () => {
  const e = one(load(edit(13, '      driver: { name: foo, dmaMode: normal, colour: red }')), 'UNKNOWN_KEY');
  assert.equal(formatPath(e.path), 'platform.devices[1].driver.colour');
  assert.deepEqual(e.linePos, { line: 13, col: 45 });
});

test('bad enum: names the allowed values', () => {
  const e = one(load(edit(13, '      driver: { name: foo, dmaMode: sometimes }')), 'BAD_VALUE');
  assert.equal(formatPath(e.path), 'platform.devices[1].driver.dmaMode');
  assert.match(e.message, /must be one of normal, manual, no-dma, msi-only/);
  assert.deepEqual(e.linePos, { line: 13, col: 37 });
  assert.match(formatError(e), /^platform\.devices\[1\]\.driver\.dmaMode: must be one of .* \(13:37\)$/);
});

test('bad event: unknown kind and unknown device, each at its list item', () => {
  const errs = load(edit(15, 'events: [ "probe(rp)", "poke(ep)", "bind(nobody)" ]'));
  const bad = errs.filter((e) => e.code === 'BAD_EVENT');
  assert.equal(bad.length, 2);
  assert.equal(formatPath(bad[0].path), 'events[1]');
  assert.deepEqual(bad[0].linePos, { line: 15, col: 24 });
  assert.match(bad[0].message, /unknown kind "poke"/);
  assert.equal(formatPath(bad[1].path), 'events[2]');
  assert.deepEqual(bad[1].linePos, { line: 15, col: 36 });
  assert.match(bad[1].message, /no device named "nobody"/);
});

test('bad variant: parseVariant says why, at the variant key', () => {
  const e = one(load(edit(14, 'variant: park=blocked')), 'BAD_VARIANT');
  assert.equal(formatPath(e.path), 'variant');
  assert.deepEqual(e.linePos, { line: 14, col: 10 });
  assert.match(e.message, /boot-dma-security/);
});

test('missing parent: unknown device name at the parent key', () => {
  const e = one(load(edit(11, '      parent: rp0')), 'UNKNOWN_DEVICE');
  assert.equal(formatPath(e.path), 'platform.devices[1].parent');
  assert.deepEqual(e.linePos, { line: 11, col: 15 });
});

test('parent listed after its child is an ordering error', () => {
  const lines = [...BASE.slice(0, 4), ...BASE.slice(8, 13), ...BASE.slice(4, 8), ...BASE.slice(13)];
  const e = one(load(lines), 'BAD_ORDER');
  assert.equal(formatPath(e.path), 'platform.devices[0].parent');
  assert.deepEqual(e.linePos, { line: 7, col: 15 });
});

test('parent that is not a bridge', () => {
  const lines = [...BASE.slice(0, 13), '    - name: ep2', '      bdf: "01:00.1"', '      parent: ep', '      config: { type: endpoint }', ...BASE.slice(13)];
  const e = one(load(lines), 'BAD_TOPOLOGY');
  assert.equal(formatPath(e.path), 'platform.devices[2].parent');
  assert.deepEqual(e.linePos, { line: 16, col: 15 });
});

test('duplicate names and BDFs', () => {
  const lines = [...BASE.slice(0, 13), '    - name: ep', '      bdf: "01:00.0"', '      parent: rp', '      config: { type: endpoint }', ...BASE.slice(13)];
  const dups = load(lines).filter((e) => e.code === 'DUPLICATE');
  assert.deepEqual(dups.map((e) => formatPath(e.path)), ['platform.devices[2].name', 'platform.devices[2].bdf']);
  assert.deepEqual(dups.map((e) => e.linePos?.line), [14, 15]);
});

test('YAML syntax error: position of the bad token, nothing else', () => {
  const errs = load(edit(12, '      config: { type: endpoint, caps: { ats: true }'));
  assert.ok(errs.length >= 1);
  assert.ok(errs.every((e) => e.code === 'YAML_SYNTAX'));
  assert.ok(errs[0].linePos && errs[0].linePos.line >= 12, JSON.stringify(errs[0].linePos));
});

test('missing required key names the key, positioned at its mapping', () => {
  const e = one(load(BASE.filter((_, i) => i !== 9)), 'MISSING_KEY');
  assert.equal(formatPath(e.path), 'platform.devices[1].bdf');
  assert.deepEqual(e.linePos, { line: 9, col: 7 });
});

test('bad type', () => {
  const e = one(load(edit(10, '      bdf: 0100')), 'BAD_TYPE');
  assert.equal(formatPath(e.path), 'platform.devices[1].bdf');
  assert.match(e.message, /must be a string/);
});

test('all errors are collected, in document order', () => {
  let lines = edit(3, '  iommu: mmu-500');
  lines = lines.map((l, j) => (j === 10 ? '      parent: nope' : j === 13 ? 'variant: "mainline,mainline"' : l));
  const errs = load(lines);
  assert.deepEqual(errs.map((e) => e.code), ['BAD_VALUE', 'UNKNOWN_DEVICE', 'BAD_VARIANT']);
  assert.deepEqual(errs.map((e) => e.linePos?.line), [3, 11, 14]);
});

test('kernel command line: a value the kernel rejects is an error, unknown words are kept', () => {
  const e = one(load(['platform:', '  name: t', '  iommu: intel', '  cmdline: "quiet iommu.passthrough=2"', '  devices: []']), 'BAD_CMDLINE');
  assert.equal(formatPath(e.path), 'platform.cmdline');
  assert.deepEqual(e.linePos, { line: 4, col: 12 });
  const ok = loadScenario('platform: { name: t, iommu: intel, cmdline: "quiet iommu=pt", devices: [] }', '/tmp/t.yaml');
  assert.equal(ok.scenario?.platform.cmdline.passthrough, true);
  assert.equal(ok.scenario?.platform.cmdline.raw, 'quiet iommu=pt');
});

test('expectations: unknown DeviceObs field, unknown device, out-of-range and ambiguous event refs', () => {
  const lines = [
    ...BASE.slice(0, 14),
    'events: [ "probe(rp)", "probe(ep)", "probe(ep)" ]', // 15
    'expect:', // 16
    '  returns:', // 17
    '    - { event: 7, ok: true }', // 18
    '    - { event: "probe(ep)", errno: EBUSY }', // 19
    '  devices:', // 20
    '    ep: { atsEnabled: true, speed: fast }', // 21
    '    ghost: { domain: identity }', // 22
  ];
  const errs = load(lines);
  const got = errs.map((e) => [e.code, formatPath(e.path), e.linePos?.line]);
  assert.deepEqual(got, [
    ['BAD_VALUE', 'expect.returns[0].event', 18],
    ['BAD_EVENT', 'expect.returns[1].event', 19],
    ['UNKNOWN_KEY', 'expect.devices.ep.speed', 21],
    ['UNKNOWN_DEVICE', 'expect.devices.ghost', 22],
  ]);
});

test('dump config: a missing dump file is a DUMP error at config.dump', () => {
  const lines = edit(12, '      config: { dump: no-such-file.txt }');
  const e = one(load(lines), 'DUMP');
  assert.equal(formatPath(e.path), 'platform.devices[1].config.dump');
  assert.deepEqual(e.linePos, { line: 12, col: 23 });
});

test('duplicate key: a YAML error at the second key', () => {
  const errs = load(edit(13, '      driver: { name: foo, name: bar }'));
  assert.equal(errs.length, 1);
  assert.equal(errs[0].code, 'YAML_SYNTAX');
  assert.deepEqual(errs[0].linePos, { line: 13, col: 28 });
});

test('alias expansion bombs are an error, not an exception', () => {
  const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 0; i < 8; i++) lines.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`);
  const r = loadScenario(lines.join('\n'), '/tmp/bomb.yaml');
  assert.ok(r.errors);
  assert.equal(r.errors[0].code, 'YAML_SYNTAX');
});

// Scenario numbers, nesting and topology rules (docs/scenario.md "Numbers and limits"), at the
// loader's API: each error carries its code, key path and line:column.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatError } from '../../src/platform/errors.js';
import { loadScenario, MAX_SCENARIO_ERRORS } from '../../src/platform/scenario.js';
import { depthError, MAX_YAML_DEPTH } from '../../src/platform/yaml-limits.js';

const head = 'platform:\n  name: t\n  iommu: intel\n  devices:\n';
const errorsOf = (text: string): string[] => (loadScenario(text, 'x.yaml').errors ?? []).map(formatError);

describe('integers', () => {
  it('2^53 - 1 is exact and accepted; 2^53 + 1 is an error at its key, not rounded', () => {
    const ok = loadScenario(`${head}    - { name: e, bdf: "00:02.0", config: {}, reservedRegions: [ { type: reserved, base: 9007199254740991, size: 1 } ] }\n`, 'x.yaml');
    assert.equal(ok.errors, undefined);
    assert.equal(ok.scenario?.platform.devices[0].reservedRegions[0].base, 9007199254740991n);
    const bad = errorsOf(`${head}    - { name: e, bdf: "00:02.0", config: {}, reservedRegions: [ { type: reserved, base: 9007199254740993, size: 1 } ] }\n`);
    assert.equal(bad.length, 1);
    assert.match(bad[0], /^platform\.devices\[0\]\.reservedRegions\[0\]\.base: 9007199254740993 is beyond 2\^53 - 1.* \(5:\d+\)$/);
  });
  it('a quoted 64-bit value is exact; one past 2^64 - 1 is an error', () => {
    const ok = loadScenario(`${head}    - { name: e, bdf: "00:02.0", config: {}, reservedRegions: [ { type: reserved, base: "0xffffffffffff0000", size: "0x10000" } ] }\n`, 'x.yaml');
    assert.equal(ok.errors, undefined);
    assert.equal(ok.scenario?.platform.devices[0].reservedRegions[0].base, 0xffffffffffff0000n);
    assert.match(errorsOf(`${head}    - { name: e, bdf: "00:02.0", config: {}, reservedRegions: [ { type: reserved, base: "0x10000000000000000", size: "1" } ] }\n`)[0], /base: 0x10000000000000000 does not fit in 64 bits/);
  });
});

describe('nesting', () => {
  it(`depth ${MAX_YAML_DEPTH} passes the depth check; ${MAX_YAML_DEPTH + 1} does not`, () => {
    assert.equal(depthError(`a: ${'['.repeat(MAX_YAML_DEPTH - 1)}${']'.repeat(MAX_YAML_DEPTH - 1)}`), null);
    assert.notEqual(depthError(`a: ${'['.repeat(MAX_YAML_DEPTH)}${']'.repeat(MAX_YAML_DEPTH)}`), null);
  });
  it('brackets inside quotes and comments do not count', () => {
    assert.equal(depthError(`a: "${'['.repeat(500)}"\nb: '${'{'.repeat(500)}'\n# ${'['.repeat(500)}\n`), null);
  });
  it('compact sequences 10,000 deep are refused with a key path, not a stack overflow', () => {
    const e = errorsOf(`${head}    ${'- '.repeat(10_000)}x\n`);
    assert.equal(e.length, 1);
    assert.match(e[0], /^platform\.devices.*: nested more than 64 levels deep/);
  });
});

describe('error lists', () => {
  it(`at most ${MAX_SCENARIO_ERRORS} errors, then "… and N more"`, () => {
    const devs = Array.from({ length: 200 }, (_, i) => `    - { name: d${i}, bdf: "00:02.0", config: {}, bogus: 1 }\n`).join('');
    const r = loadScenario(head + devs, 'x.yaml');
    assert.equal(r.errors?.length, MAX_SCENARIO_ERRORS + 1);
    assert.match(r.errors![MAX_SCENARIO_ERRORS].message, /^… and \d+ more errors$/);
  });
  it('control characters quoted from the file are escaped in the text form', () => {
    const e = errorsOf(`${head}    - { name: e, bdf: "00:02.0", config: {}, driver: { name: x, dmaMode: "\\e[2Jevil" } }\n`);
    assert.ok(e.length > 0);
    assert.ok(e.every((l) => !l.includes('\u001b')) && e.some((l) => l.includes('\\e[2Jevil')), e.join('\n'));
  });
});

describe('topology', () => {
  it('a chain of three dmaAliasOf back to the start is one cycle error', () => {
    const e = errorsOf(`${head}    - { name: a, bdf: "00:02.0", dmaAliasOf: b, config: {} }\n    - { name: b, bdf: "00:03.0", dmaAliasOf: c, config: {} }\n    - { name: c, bdf: "00:04.0", dmaAliasOf: a, config: {} }\n`);
    assert.deepEqual(e.length, 1);
    assert.match(e[0], /^platform\.devices\[0\]\.dmaAliasOf: dmaAliasOf forms a cycle \(a -> b -> c -> a\)/);
  });
  it('a one-way alias and bridges with derived bus numbers are fine', () => {
    const r = loadScenario(`${head}    - { name: rp, bdf: "00:01.0", config: { type: root-port } }\n    - { name: a, bdf: "01:00.0", parent: rp, config: {} }\n    - { name: b, bdf: "01:00.1", parent: rp, dmaAliasOf: a, config: {} }\n`, 'x.yaml');
    assert.equal(r.errors, undefined, r.errors?.map(formatError).join('\n'));
  });
});

// The scenario loader's JSON fast path (platform/json-fast.ts) against its YAML path — the
// reference: JSON is YAML, and the YAML path (yaml's Document, positions, exactIntegers) is
// what loaded every scenario before the fast path existed. Whatever the text, loadScenario must
// answer exactly what the YAML path alone answers (scenario or errors, messages and line:col);
// the fast path may only be faster. Also: it is really taken for plain JSON, and it declines
// the JSON YAML reads differently.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { jsonScenarioValue } from '../../src/platform/json-fast.js';
import { loadScenario, loadScenarioYaml, yamlValue } from '../../src/platform/scenario.js';
import { formatError } from '../../src/platform/errors.js';
import { scenario as benchScenario } from '../../bench/run-bench.mjs';
import { paths, type Path } from '../support/reachable.js';

const root = join(dirname(new URL(import.meta.url).pathname), '..', '..');
const yamlFiles = [join(root, 'scenarios', 'reference-platform.yaml'), ...readdirSync(join(root, 'scenarios', 'golden')).filter((f) => f.endsWith('.yaml')).map((f) => join(root, 'scenarios', 'golden', f))];
/** The bundled scenarios' values as the YAML path reads them (the fast path's inputs are their JSON). */
const values = yamlFiles.map((f) => {
  const y = yamlValue(readFileSync(f, 'utf8'));
  assert.ok(!('errors' in y), f);
  return { file: f, value: y.value };
});
const noDumps = { readText: (): string => '' };

/** Both paths on one text: equal answers. */
function same(text: string, file = '/tmp/fast.json'): void {
  const fast = loadScenario(text, file, noDumps);
  const slow = loadScenarioYaml(text, file, noDumps);
  assert.deepStrictEqual(fast, slow, `text: ${text.slice(0, 200)}`);
}

test('plain JSON of every bundled scenario takes the fast path, and loads as its YAML does', () => {
  for (const { file, value } of values) {
    for (const text of [JSON.stringify(value), JSON.stringify(value, null, 2), ` \n${JSON.stringify(value, null, 1)}\n`]) {
      const fast = jsonScenarioValue(text);
      assert.ok(fast !== undefined, `${file}: the fast path declined plain JSON`);
      assert.deepStrictEqual(fast.value, value, file);
      const r = loadScenario(text, file);
      assert.ok(r.scenario, `${file}: ${r.errors?.map(formatError).join('; ')}`);
      assert.deepStrictEqual(r, loadScenarioYaml(text, file), file);
    }
  }
});

test("the bench's generated scenario (SR-IOV VFs sharing one config) loads the same by both paths", () => {
  const text = JSON.stringify(benchScenario(600));
  assert.ok(jsonScenarioValue(text) !== undefined);
  same(text);
});

const ref = values[0].value as { platform: { devices: Record<string, unknown>[] } };
const refText = JSON.stringify(ref, null, 2);
/** The 1-based line and column of the n-th occurrence (from 1) of `needle` in `text`. */
function lineCol(text: string, needle: string, n = 1): { line: number; col: number } {
  let at = -1;
  for (let k = 0; k < n; k++) at = text.indexOf(needle, at + 1);
  assert.ok(at >= 0, needle);
  const before = text.slice(0, at);
  return { line: before.split('\n').length, col: at - before.lastIndexOf('\n') };
}

test('JSON the YAML path reads otherwise is declined (and then reported by the YAML path)', () => {
  const cases: [string, string][] = [
    ['duplicate key', refText.replace('"name": "reference"', '"name": "reference", "name": "reference"')],
    ['integer beyond 2^53', refText.replace('"name": "reference"', '"name": "reference", "ccGuest": 9007199254740993')],
    ['1e20 where integers go', refText.replace('"name": "reference"', '"name": "reference", "ccGuest": 1e20')],
    ['-0', refText.replace('"name": "reference"', '"name": "reference", "ccGuest": -0')],
    ['__proto__ key', refText.replace('"name": "reference"', '"name": "reference", "__proto__": {}')],
    ['a key whose ":" is on the next line', refText.replace('"name": "reference"', '"name"\n: "reference"')],
    ['a key over 1024 characters', refText.replace('"name": "reference"', `"name": "reference", "${'k'.repeat(1100)}": 1`)],
    ['tab indentation', JSON.stringify(ref, null, '\t')],
    ['CR LF line ends', refText.replace(/\n/g, '\r\n')],
    ['nesting at the YAML limit', `{"platform": ${'['.repeat(70)}${']'.repeat(70)}}`],
    ['a surrogate escape', refText.replace('"name": "reference"', '"name": "ref\\ud83d\\ude00"')],
    ['a C1 control character', refText.replace('"name": "reference"', '"name": "ref\u0085x\u0090"')],
    ['a byte order mark', `\ufeff${refText}`],
  ];
  for (const [what, text] of cases) {
    assert.equal(jsonScenarioValue(text), undefined, what);
    same(text);
  }
});

test('errors in JSON scenarios: the YAML path\'s messages with the line:col of the offending text', () => {
  const dup = refText.replace('"variant": ', '"variant": "mainline", "variant": ');
  const r1 = loadScenario(dup, '/tmp/dup.json');
  assert.ok(r1.errors);
  assert.equal(r1.errors[0].code, 'YAML_SYNTAX');
  assert.match(r1.errors[0].message, /Map keys must be unique/);
  assert.deepStrictEqual(r1.errors[0].linePos, lineCol(dup, '"variant"', 2));

  const bad = JSON.parse(refText) as typeof ref;
  (bad.platform.devices[3].driver as Record<string, unknown>).dmaMode = 'sometimes';
  const badText = JSON.stringify(bad, null, 2);
  const r2 = loadScenario(badText, '/tmp/bad.json');
  assert.ok(r2.errors);
  assert.equal(r2.errors.length, 1);
  assert.equal(r2.errors[0].code, 'BAD_VALUE');
  assert.equal(formatError({ ...r2.errors[0], linePos: undefined }), 'platform.devices[3].driver.dmaMode: must be one of normal, manual, no-dma, msi-only (got the string "sometimes")');
  // the value's position: the opening quote of "sometimes"
  const at = lineCol(badText, '"sometimes"');
  assert.deepStrictEqual(r2.errors[0].linePos, at);

  const big = refText.replace('"name": "reference"', '"name": "reference",\n    "features": { "ssidBits": 123456789012345678901 }');
  const r3 = loadScenario(big, '/tmp/big.json');
  assert.ok(r3.errors);
  assert.equal(r3.errors[0].code, 'BAD_VALUE');
  assert.match(r3.errors[0].message, /^123456789012345678901 is beyond 2\^53 - 1/);
  assert.deepStrictEqual(r3.errors[0].linePos, lineCol(big, '123456789012345678901'));

  const trunc = refText.slice(0, refText.length - 10);
  const r4 = loadScenario(trunc, '/tmp/trunc.json');
  assert.ok(r4.errors);
  assert.equal(r4.errors[0].code, 'YAML_SYNTAX');
  for (const t of [dup, badText, big, trunc]) same(t);
});

const ALL = paths(ref);

function setAt(v: unknown, path: Path, value: unknown): unknown {
  const copy: unknown = structuredClone(v);
  if (path.length === 0) return value;
  let node = copy as Record<string | number, unknown>;
  for (const seg of path.slice(0, -1)) node = node[seg] as Record<string | number, unknown>;
  node[path[path.length - 1]] = value;
  return copy;
}

const leaf = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 4 }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.double(),
  fc.constantFrom(-0, 2 ** 53, 2 ** 53 - 1, 1e20, 0.5, 'probe(gpu)', 'rp-cxl', '00:01.0', 'normal', 'dma', '__proto__', 'a"b\\c', '\t', '#x', '&a', '*a', '- x', ': y'),
);
const anyValue = fc.oneof(leaf, fc.array(leaf, { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 8 }), leaf, { maxKeys: 3 }));
/** JSON separators YAML might read differently: spaces, newlines, tabs around tokens. */
const ws = fc.constantFrom('', ' ', '\n', '  \n  ', '\t', '\r\n', '\n\n');

test('fuzz: mutated values as JSON — both paths answer the same', () => {
  fc.assert(
    fc.property(fc.nat({ max: ALL.length - 1 }), anyValue, fc.constantFrom(0, 1, 2, 4), (i, value, indent) => {
      same(JSON.stringify(setAt(ref, ALL[i], value), null, indent));
    }),
    { numRuns: 200 },
  );
});

test('fuzz: whitespace between JSON tokens, text edits — both paths answer the same', () => {
  const compact = JSON.stringify(ref);
  // token boundaries: after each structural character
  const cuts: number[] = [];
  for (let i = 0, inStr = false; i < compact.length; i++) {
    const c = compact[i];
    if (c === '"' && compact[i - 1] !== '\\') inStr = !inStr;
    if (!inStr && (c === '{' || c === '}' || c === '[' || c === ']' || c === ',' || c === ':')) cuts.push(i + 1);
  }
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat({ max: cuts.length - 1 }), ws), { maxLength: 6 }), (ins) => {
      let text = compact;
      for (const [k, w] of [...ins].sort((a, b) => cuts[b[0]] - cuts[a[0]])) text = text.slice(0, cuts[k]) + w + text.slice(cuts[k]);
      same(text);
    }),
    { numRuns: 150 },
  );
  fc.assert(
    fc.property(fc.nat({ max: compact.length }), fc.nat({ max: 6 }), fc.string({ maxLength: 4 }), (at, del, ins) => {
      same(compact.slice(0, at) + ins + compact.slice(at + del));
    }),
    { numRuns: 150 },
  );
});

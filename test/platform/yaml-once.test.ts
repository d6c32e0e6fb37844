// The loader parses YAML into a CST once and composes the Document from those tokens
// (platform/scenario.ts composeDocument, for the depth check and yaml's Composer alike). The
// reference is the yaml library's own parseDocument with the options the loader used to pass:
// the same errors (message, position) and, without errors, the same value — on the bundled
// scenarios, multi-document and broken texts, and fuzzed edits of them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { LineCounter, parseDocument } from 'yaml';
import { yamlValue } from '../../src/platform/scenario.js';
import { depthError, exactIntegers } from '../../src/platform/yaml-limits.js';

const root = join(dirname(new URL(import.meta.url).pathname), '..', '..');
const golden = join(root, 'scenarios', 'golden');
const texts = [join(root, 'scenarios', 'reference-platform.yaml'), ...readdirSync(golden).filter((f) => f.endsWith('.yaml')).map((f) => join(golden, f))].map((f) => readFileSync(f, 'utf8'));

function reference(text: string): { errors: { message: string; pos: readonly number[] }[] } | { value: unknown } | 'deep' {
  if (depthError(text) !== null) return 'deep';
  const doc = parseDocument(text, { lineCounter: new LineCounter(), prettyErrors: false, uniqueKeys: true, intAsBigInt: true, logLevel: 'error' });
  if (doc.errors.length > 0) return { errors: doc.errors.map((e) => ({ message: e.message.split('\n')[0], pos: [e.pos[0], e.pos[1]] })) };
  if (exactIntegers(doc).length > 0) return 'deep'; // positioned by yaml-pos: not what this test is about
  try {
    return { value: doc.toJS({ maxAliasCount: 100 }) };
  } catch {
    return 'deep';
  }
}

function same(text: string): void {
  const want = reference(text);
  if (want === 'deep') return;
  const got = yamlValue(text);
  if ('errors' in want) {
    assert.ok('errors' in got, `expected errors: ${text.slice(0, 120)}`);
    // capErrors keeps the first 50 and counts the rest
    const shown = got.errors.filter((e) => !e.message.startsWith('… and'));
    assert.deepStrictEqual(
      shown.map((e) => ({ message: e.message, pos: e.pos })),
      want.errors.slice(0, shown.length),
    );
  } else {
    assert.ok(!('errors' in got), `unexpected errors: ${'errors' in got ? got.errors[0].message : ''}`);
    assert.deepStrictEqual(got.value, want.value);
  }
}

test('bundled scenarios, several documents, broken texts: as parseDocument', () => {
  for (const t of texts) same(t);
  const g = texts[1];
  for (const t of [`${g}---\n${g}`, `${g}\n---\na: [\n`, `---\n${g}`, `${g}\n...\n`, '', '# only a comment\n', '---\n---\n', 'a: 1\na: 2\n', 'a:\n\tb: 1\n', '{a: 1', 'a: [1, 2', 'a: "x', '- a\nb: c\n', 'a: &x 1\nb: *y\n', 'a: !!binary x\n']) same(t);
});

test('fuzz: edits of a golden scenario — as parseDocument', () => {
  const g = texts[1];
  const bits = fc.constantFrom('\n', ' ', ':', '- ', '---\n', '[', ']', '{', '}', '"', "'", '#', '&a ', '*a', '!!str ', '\t', '? ', '|\n', '%YAML 1.2\n');
  fc.assert(
    fc.property(fc.nat({ max: g.length }), fc.nat({ max: 8 }), fc.array(bits, { maxLength: 3 }), (at, del, ins) => {
      same(g.slice(0, at) + ins.join('') + g.slice(at + del));
    }),
    { numRuns: 300 },
  );
});

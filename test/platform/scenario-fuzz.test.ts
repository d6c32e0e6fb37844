// Property: random mutations of a valid scenario never throw — the loader returns a scenario
// or errors, and every error has a code, a key path and (when the text has it) a position.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { loadScenario } from '../../src/platform/scenario.js';
import type { LoadResult } from '../../src/platform/scenario.js';
import { paths, type Path } from '../support/reachable.js';

const FILE = new URL('../../scenarios/reference-platform.yaml', import.meta.url);
const TEXT = readFileSync(FILE, 'utf8');
const VALUE: unknown = parse(TEXT);

const ALL = paths(VALUE);

function mutate(v: unknown, path: Path, op: 'set' | 'delete' | 'add', value: unknown, key: string): unknown {
  const copy: unknown = structuredClone(v);
  if (path.length === 0) return op === 'set' ? value : copy;
  let node = copy as Record<string | number, unknown>;
  for (const seg of path.slice(0, -1)) node = node[seg] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (op === 'set') node[last] = value;
  else if (op === 'delete') {
    if (Array.isArray(node)) node.splice(last as number, 1);
    else delete node[last];
  } else if (node[last] && typeof node[last] === 'object' && !Array.isArray(node[last])) {
    (node[last] as Record<string, unknown>)[key] = value;
  }
  return copy;
}

function wellFormed(r: LoadResult): void {
  if (r.scenario) return;
  assert.ok(r.errors.length > 0, 'errors, not an empty list');
  for (const e of r.errors) {
    assert.equal(typeof e.code, 'string');
    assert.equal(typeof e.message, 'string');
    assert.ok(Array.isArray(e.path));
  }
}

const leaf = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.double(), fc.constantFrom('probe(gpu)', 'rp-cxl', '00:01.0', 'normal', 'dma'));
const anyValue = fc.oneof(leaf, fc.array(leaf, { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 8 }), leaf, { maxKeys: 3 }));

test('structural mutations never throw', () => {
  fc.assert(
    fc.property(fc.nat({ max: ALL.length - 1 }), fc.constantFrom('set', 'delete', 'add'), anyValue, fc.string({ maxLength: 10 }), (i, op, value, key) => {
      const text = stringify(mutate(VALUE, ALL[i], op as 'set' | 'delete' | 'add', value, key));
      wellFormed(loadScenario(text, '/tmp/fuzz.yaml', { readText: () => '' }));
    }),
    { numRuns: 150 },
  );
});

test('text mutations never throw', () => {
  fc.assert(
    fc.property(fc.nat({ max: TEXT.length }), fc.nat({ max: 20 }), fc.string({ maxLength: 6 }), (at, del, ins) => {
      const text = TEXT.slice(0, at) + ins + TEXT.slice(at + del);
      wellFormed(loadScenario(text, '/tmp/fuzz.yaml', { readText: () => '' }));
    }),
    { numRuns: 150 },
  );
});

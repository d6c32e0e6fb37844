// Every shipped scenario validates against the published JSON Schema (as `dmagate schema`
// prints it, compiled by a fresh ajv) and loads without errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { schemaText } from '../../src/cli/schema.js';
import { loadScenario } from '../../src/platform/scenario.js';
import { formatError } from '../../src/platform/errors.js';

const ROOT = fileURLToPath(new URL('../../scenarios/', import.meta.url));
function yamlFiles(dir: string, out: string[] = []): string[] {
  for (const n of readdirSync(dir).sort()) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) yamlFiles(p, out);
    else if (/\.ya?ml$/.test(n)) out.push(p);
  }
  return out;
}

const schema = JSON.parse(schemaText()) as Record<string, unknown>;
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

test('the schema is draft-07 and closed at the top level', () => {
  assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
  assert.equal(schema.additionalProperties, false);
  assert.ok(!validate({ platform: { name: 'x', iommu: 'intel', devices: [] }, extra: 1 }));
});

for (const file of yamlFiles(ROOT)) {
  const rel = file.slice(ROOT.length);
  test(`scenarios/${rel} validates against the schema and loads`, () => {
    const text = readFileSync(file, 'utf8');
    const ok = validate(parse(text));
    assert.ok(ok, JSON.stringify(validate.errors, null, 1));
    const r = loadScenario(text, file);
    assert.equal(r.errors, undefined, r.errors?.map(formatError).join('\n'));
  });
}

test('the example in docs/scenario.md validates and loads', () => {
  const md = readFileSync(fileURLToPath(new URL('../../docs/scenario.md', import.meta.url)), 'utf8');
  const example = md.split('```yaml\n')[1]?.split('```')[0];
  assert.ok(example, 'a yaml block');
  assert.ok(validate(parse(example)), JSON.stringify(validate.errors));
  const r = loadScenario(example, '/tmp/doc-example.yaml');
  assert.equal(r.errors, undefined, r.errors?.map(formatError).join('\n'));
});

test('every object in the schema is closed (additionalProperties: false)', () => {
  const open: string[] = [];
  const walk = (node: unknown, at: string): void => {
    if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${at}[${i}]`));
    if (node === null || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    if ('properties' in o && o.additionalProperties !== false) open.push(at);
    for (const [k, v] of Object.entries(o)) walk(v, `${at}/${k}`);
  };
  walk(schema, '#');
  assert.deepEqual(open, []);
});

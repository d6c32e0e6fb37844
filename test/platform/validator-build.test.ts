// The build-time scenario validator (scripts/build-fast.mjs: Ajv standalone code in
// dist/platform/scenario-validator.cjs, which dist/ and the bundle load instead of compiling
// the schema at start-up) against Ajv compiling the same schema at run time — the reference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import fc from 'fast-check';
import { Ajv } from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { scenarioSchema } from '../../src/platform/schema.js';
import { packageRoot } from '../../src/platform/package-root.js';

const root = packageRoot();
const generatedFile = join(root, 'dist', 'platform', 'scenario-validator.cjs');
const distSchema = join(root, 'dist', 'platform', 'schema.js');

async function skipReason(): Promise<string | undefined> {
  if (!existsSync(generatedFile) || !existsSync(distSchema)) return 'dist/ not built (npm run build)';
  const built = (await import(pathToFileURL(distSchema).href)) as { scenarioSchema: unknown };
  if (JSON.stringify(built.scenarioSchema) !== JSON.stringify(scenarioSchema)) return 'dist/ is older than src/platform/schema.ts (npm run build)';
  return undefined;
}

// Of parentSchema, what src/platform/validate.ts reads (the known keys of a mapping): the
// generated code is compiled from the schema with a device and its config as $refs
// (scripts/build-fast.mjs splitForCodegen), so a parent schema that contains one holds the
// $ref where the schema itself holds the subschema.
const view = (errs: readonly ErrorObject[] | null | undefined) =>
  (errs ?? []).map((e) => ({
    instancePath: e.instancePath,
    keyword: e.keyword,
    params: e.params,
    message: e.message,
    data: e.data,
    known: Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {}),
  }));

test('generated validator: the same verdicts and errors as Ajv compiling the schema', async (t) => {
  const why = await skipReason();
  if (why !== undefined) return t.skip(why);
  const generated = createRequire(import.meta.url)(generatedFile) as ValidateFunction;
  const runtime = new Ajv({ allErrors: true, verbose: true, strict: false }).compile(scenarioSchema);
  const ref = parse(readFileSync(join(root, 'scenarios', 'reference-platform.yaml'), 'utf8')) as Record<string, unknown>;
  const docs: unknown[] = [ref, {}, [], 'x', { platform: 1 }, { ...ref, extra: true }, { ...ref, variant: 7 }];
  const devices = (ref.platform as { devices: Record<string, unknown>[] }).devices;
  docs.push({ ...ref, platform: { ...(ref.platform as object), devices: [{ ...devices[0], bdf: 'zz' }, { ...devices[1], driver: { name: 'x', dmaMode: 'bogus' } }] } });
  const check = (doc: unknown): void => {
    const a = generated(doc);
    const b = runtime(doc);
    assert.equal(a, b);
    assert.deepEqual(view(generated.errors), view(runtime.errors));
  };
  for (const d of docs) check(d);
  // random damage to the reference scenario: replace one value somewhere
  fc.assert(
    fc.property(fc.nat(), fc.anything(), (at, junk) => {
      const doc = structuredClone(ref);
      const slots: [Record<string, unknown>, string][] = [];
      const walk = (o: unknown): void => {
        if (o === null || typeof o !== 'object') return;
        for (const k of Object.keys(o)) {
          slots.push([o as Record<string, unknown>, k]);
          walk((o as Record<string, unknown>)[k]);
        }
      };
      walk(doc);
      const [obj, key] = slots[at % slots.length];
      obj[key] = junk;
      check(doc);
    }),
    { numRuns: 200 },
  );
});

// The build's copy of the reference platform (scripts/build-fast.mjs ->
// dist/platform/reference-platform.json; src/platform/reference.ts) against the YAML it is made
// from — the one source of truth: the copy equals the YAML's value, a copy of another text is
// never used, and the loaded reference equals the YAML path's. Also the per-load memo of
// synthetic config spaces (platform/device-config.ts) against building each one afresh.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/platform/package-root.js';
import { loadReference, prebuiltValue, REFERENCE_FILE, REFERENCE_PREBUILT, referenceScenario } from '../../src/platform/reference.js';
import { loadScenarioYaml, yamlValue } from '../../src/platform/scenario.js';
import { syntheticFunction } from '../../src/platform/device-config.js';
import type { SyntheticMemo } from '../../src/platform/device-config.js';
import { parseBdf } from '../../src/pci/bdf.js';
import { scenarioSchema } from '../../src/platform/schema.js';
import { schemaIssues } from '../../src/platform/validate.js';

const root = packageRoot();
const yamlFile = join(root, ...REFERENCE_FILE);
const yamlText = readFileSync(yamlFile, 'utf8');
const y = yamlValue(yamlText);
if ('errors' in y) throw new Error('reference-platform.yaml does not parse');
const fromYaml = loadScenarioYaml(yamlText, yamlFile);

test('the build\'s copy is the YAML\'s value (when dist/ is built from this YAML)', (t) => {
  const f = join(root, ...REFERENCE_PREBUILT);
  if (!existsSync(f)) return t.skip('dist/ not built (npm run build)');
  const pre = JSON.parse(readFileSync(f, 'utf8')) as { source: string; value: unknown; schema?: string };
  if (pre.source !== yamlText) return t.skip('dist/ is older than scenarios/reference-platform.yaml (npm run build); the loader ignores it');
  assert.deepStrictEqual(pre.value, y.value);
  if (pre.schema === JSON.stringify(scenarioSchema)) assert.deepStrictEqual(schemaIssues(pre.value), []);
});

test('referenceScenario() equals the YAML path\'s load of the bundled file', () => {
  assert.ok(fromYaml.scenario);
  assert.deepStrictEqual(referenceScenario(), fromYaml.scenario);
});

test('a copy is used only for the text it was made from', () => {
  // a copy whose value differs (a renamed platform): used when its source matches ...
  const renamed = structuredClone(y.value) as { platform: { name: string } };
  renamed.platform.name = 'from-the-copy';
  assert.equal(loadReference(yamlText, yamlFile, { source: yamlText, value: renamed }).platform.name, 'from-the-copy');
  // ... and ignored when the YAML was edited since (a stale build), or the copy is damaged
  const edited = yamlText + '\n# edited after the build\n';
  for (const bad of [{ source: yamlText, value: renamed }, { source: edited.slice(1), value: renamed }, null, 'x', { value: renamed }, { source: edited }]) {
    const s = loadReference(edited, yamlFile, bad);
    assert.equal(s.platform.name, 'reference', JSON.stringify(bad)?.slice(0, 60));
    assert.deepStrictEqual(s, loadScenarioYaml(edited, yamlFile).scenario);
  }
  assert.equal(prebuiltValue({ source: 'a', value: 1 }, 'b'), undefined);
  assert.deepStrictEqual(prebuiltValue({ source: 'a', value: 1 }, 'a'), { value: 1, schemaChecked: false });
});

test('the schema check is skipped only for a copy validated under this very schema', () => {
  const schema = JSON.stringify(scenarioSchema);
  assert.equal(prebuiltValue({ source: 'a', value: 1, schema }, 'a')?.schemaChecked, true);
  assert.equal(prebuiltValue({ source: 'a', value: 1, schema: schema.replace('"platform"', '"platfrm"') }, 'a')?.schemaChecked, false);
  assert.equal(prebuiltValue({ source: 'a', value: 1, schema: 7 }, 'a')?.schemaChecked, false);
  // a checked copy loads as the YAML does
  assert.deepStrictEqual(loadReference(yamlText, yamlFile, { source: yamlText, value: y.value, schema }), fromYaml.scenario);
  // an unchecked one that the schema rejects is not used
  const bad = structuredClone(y.value) as { platform: { devices: { driver: Record<string, unknown> }[] } };
  bad.platform.devices[0].driver.dmaMode = 'sometimes';
  assert.deepStrictEqual(loadReference(yamlText, yamlFile, { source: yamlText, value: bad }), fromYaml.scenario);
});

test('a copy that does not load falls back to the YAML', () => {
  const s = loadReference(yamlText, yamlFile, { source: yamlText, value: { platform: 'broken' } });
  assert.deepStrictEqual(s, fromYaml.scenario);
});

test('memoised synthetic configs equal configs built afresh, at each device\'s own BDF', () => {
  const memo: SyntheticMemo = new Map();
  const bdfs = ['0000:01:00.1', '0000:01:00.2', '0001:07:1f.7'].map((b) => parseBdf(b)!);
  const specs = [
    { caps: { ats: { pageAligned: true }, msix: true } },
    { type: 'root-port', caps: { acs: true, msi: true } },
    { caps: { dsn: { serial: '0x0123456789abcdef' }, sriov: { totalVfs: 4, numVfs: 2 } } },
    { caps: { msix: Infinity } }, // not memoised (a JSON key would read it as null)
  ] as const;
  for (const spec of specs) {
    for (const bdf of bdfs) {
      const bus = { primaryBus: bdf.bus };
      const got = syntheticFunction(bdf, spec as never, bus, memo);
      assert.deepStrictEqual(got, syntheticFunction(bdf, spec as never, bus));
      assert.equal(got.bdf, bdf);
    }
  }
  // equal specs on equal buses share one space; a different bus default is another spec
  const a = syntheticFunction(bdfs[0], specs[0] as never, { primaryBus: 1 }, memo);
  const b = syntheticFunction(bdfs[1], specs[0] as never, { primaryBus: 1 }, memo);
  const c = syntheticFunction(bdfs[1], specs[0] as never, { primaryBus: 2 }, memo);
  assert.equal(a.config, b.config);
  assert.notEqual(a.config, c.config);
  // one after another (the memo's comparison with the last spec): specs that differ in one
  // leaf, in key order or in a bridge's secondary/subordinate bus each get their own config
  const seq: [unknown, { primaryBus: number; secondaryBus?: number; subordinateBus?: number }][] = [
    [{ caps: { ats: { pageAligned: true }, msix: true } }, { primaryBus: 1 }],
    [{ caps: { ats: { pageAligned: false }, msix: true } }, { primaryBus: 1 }],
    [{ caps: { msix: true, ats: { pageAligned: false } } }, { primaryBus: 1 }],
    [{ caps: { msix: true, ats: { pageAligned: false } } }, { primaryBus: 1 }],
    [{ type: 'root-port', caps: { acs: true } }, { primaryBus: 0, secondaryBus: 1, subordinateBus: 1 }],
    [{ type: 'root-port', caps: { acs: true } }, { primaryBus: 0, secondaryBus: 1, subordinateBus: 2 }],
    [{ type: 'root-port', caps: { acs: true } }, { primaryBus: 0, secondaryBus: 2, subordinateBus: 2 }],
    [{ type: 'root-port', caps: { acs: [true] } }, { primaryBus: 0, secondaryBus: 2, subordinateBus: 2 }],
  ];
  const seqMemo: SyntheticMemo = new Map();
  for (const [spec, bus] of seq) {
    const got = syntheticFunction(bdfs[0], spec as never, bus, seqMemo);
    let fresh: unknown;
    try {
      fresh = syntheticFunction(bdfs[0], spec as never, bus);
    } catch (e) {
      fresh = e;
    }
    assert.deepStrictEqual(got, fresh, JSON.stringify([spec, bus]));
  }
});

// Golden scenarios (reference §10): every scenarios/golden/*.yaml is loaded, folded through
// the kernel model, and its `expect:` (written from the rule text, see each file's comment)
// checked. One named test per file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kernelModel } from '../../src/kernel/model.js';
import { formatError } from '../../src/platform/errors.js';
import { loadScenarioFile } from '../../src/platform/scenario.js';
import { simulate } from '../../src/platform/simulate.js';
import { withIommu } from '../../src/platform/transform.js';
import { IOMMU_IDS } from '../../src/kernel/platform.js';

const DIR = fileURLToPath(new URL('../../scenarios/golden/', import.meta.url));
const FILES = readdirSync(DIR).filter((n) => /^\d\d-.*\.ya?ml$/.test(n)).sort();

test('there are golden scenario files', () => {
  assert.ok(FILES.length >= 20, `${FILES.length} files`);
});

for (const name of FILES) {
  test(`golden ${name}`, () => {
    const r = loadScenarioFile(join(DIR, name));
    assert.ok(r.scenario, r.errors?.map(formatError).join('\n'));
    assert.ok(r.scenario.expect, 'a golden scenario has expectations');
    const res = simulate(kernelModel, r.scenario);
    const failed = res.expectations.filter((e) => !e.ok);
    const trace = res.steps.map((s) => `  [${s.index}] ${s.event} -> ${s.ret.ok ? 'ok' : s.ret.errno}`).join('\n');
    assert.deepEqual(
      failed.map((e) => `${e.what}: expected ${JSON.stringify(e.expected)}, got ${JSON.stringify(e.actual)}`),
      [],
      `steps:\n${trace}`,
    );
  });
}

// Cases 1 and 2 say "any IOMMU" / "no IOMMU enables ATS": the same files under every platform.
for (const name of ['01-untrusted-cxl-no-ats.yaml', '02-noats-cxl.yaml']) {
  for (const id of IOMMU_IDS) {
    test(`golden ${name} on ${id}`, () => {
      const r = loadScenarioFile(join(DIR, name));
      assert.ok(r.scenario, r.errors?.map(formatError).join('\n'));
      const res = simulate(kernelModel, { ...r.scenario, platform: withIommu(r.scenario.platform, id) });
      assert.deepEqual(
        res.expectations.filter((e) => !e.ok).map((e) => `${e.what}: expected ${JSON.stringify(e.expected)}, got ${JSON.stringify(e.actual)}`),
        [],
      );
    });
  }
}

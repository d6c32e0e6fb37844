// The matrix: combination lists, cells, worker threads, the JSON contract.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_COMBINATIONS_TEXT, defaultCombinations, parseCombinations } from '../../src/verify/combinations.js';
import { cellsOf, jsonMatrix, runMatrix } from '../../src/verify/matrix.js';
import { matrixText } from '../../src/verify/matrix-text.js';
import { EXPLANATIONS, explain } from '../../src/verify/explain.js';
import { parseVariant } from '../../src/kernel/variants.js';
import { IOMMU_IDS } from '../../src/kernel/platform.js';
import { INVARIANT_IDS } from '../../src/verify/types.js';
import { endpoint, rootPort, toyPlatform } from './toy-model.js';

test('default combinations: the 25 of VERIFICATION.md, 7 on a CC guest; 200 cells', () => {
  const c = defaultCombinations();
  assert.equal(c.length, 25);
  assert.equal(c.filter((x) => x.ccGuest).length, 7);
  assert.equal(c[0].variantText, 'mainline');
  assert.equal(c[18].variantText, 'mainline');
  assert.equal(c[18].ccGuest, true);
  assert.equal(cellsOf(c, IOMMU_IDS).length, 200);
  assert.equal(DEFAULT_COMBINATIONS_TEXT.trim().split('\n').length, 25);
});

test('variants file: comments, [cc-guest], and every bad line reported with its number', () => {
  const ok = parseCombinations('# mine\nmainline\n\n[cc-guest] cc-vm-lock-off  # D11\n');
  assert.deepEqual(ok.errors, []);
  assert.deepEqual(ok.combos.map((x) => [x.variantText, x.ccGuest]), [['mainline', false], ['cc-vm-lock-off', true]]);
  const bad = parseCombinations('mainline\npark=blocked\n[vm] mainline\nats-always-on, cxl-ats-opt-in\n');
  assert.deepEqual(bad.errors.map((e) => e.line), [2, 3, 4]);
  assert.match(bad.errors[0].message, /boot-dma-security/);
});

const toyUrl = new URL('./toy-model.ts', import.meta.url).href;
const base = toyPlatform([rootPort('rp1', '00:01.0'), endpoint('ep1', '01:00.0', 'rp1', { ats: true, cxl: true }), rootPort('rp2', '00:02.0', true), endpoint('ext', '02:00.0', 'rp2', { ats: true })]);
const combos = parseCombinations('mainline\nboot-dma-security,park=blocked\n[cc-guest] mainline\n').combos;
const cells = cellsOf(combos, ['arm-smmu-v3', 'intel']);

test('worker threads give the same cells as the in-process run, in order', async () => {
  const one = await runMatrix(base, cells, { jobs: 1, backendModule: toyUrl });
  const two = await runMatrix(base, cells, { jobs: 2, backendModule: toyUrl });
  assert.equal(two.length, cells.length);
  const strip = (xs: typeof one) => xs.map((c) => ({ ...c, stats: { ...c.stats, ms: 0 } }));
  assert.deepEqual(strip(two), strip(one));
});

test('JSON follows the contract: {platform, cells:[{iommu, passthrough, ccGuest, variant, stats{states,transitions,ms}, results}]}', async () => {
  const res = await runMatrix(base, cells, { jobs: 1, backendModule: toyUrl });
  const j = jsonMatrix('toy', res);
  assert.deepEqual(Object.keys(j), ['platform', 'cells']);
  for (const c of j.cells) {
    assert.deepEqual(Object.keys(c), ['iommu', 'passthrough', 'ccGuest', 'variant', 'stats', 'results']);
    assert.deepEqual(Object.keys(c.stats), ['states', 'transitions', 'ms']);
    assert.ok(Number.isInteger(c.stats.ms));
    assert.deepEqual(Object.keys(c.results), [...INVARIANT_IDS]);
    for (const r of Object.values(c.results)) {
      assert.ok(['holds', 'violated', 'n/a'].includes(r.verdict));
      if (r.verdict === 'violated') assert.ok(r.trace !== undefined && r.trace.every((t) => /^[a-z-]+\([A-Za-z0-9_.:-]+(,(on|off))?\)$/.test(t)));
      if (r.verdict === 'n/a') assert.ok(typeof r.why === 'string' && r.why.length > 0);
      // The contract's keys, plus what a violation adds (docs/json.md: detail, device,
      // explanation — the same as the text output prints; only on violations).
      for (const k of Object.keys(r)) assert.ok(['verdict', 'trace', 'why'].includes(k) || (r.verdict === 'violated' && ['detail', 'device', 'explanation'].includes(k)), k);
    }
    // VERIFICATION.md: no-hypervisor-escape n/a on bare metal, rmr-preserved n/a on a CC guest.
    assert.equal(c.results['sec.no-hypervisor-escape'].verdict, c.ccGuest ? 'holds' : 'n/a');
    assert.equal(c.results['fun.rmr-preserved'].verdict, c.ccGuest ? 'n/a' : 'holds');
  }
  const text = matrixText('toy', res);
  assert.match(text, /== arm-smmu-v3 ==/);
  assert.match(text, /== intel ==/);
  // Per-cell mode: every violated (cell, invariant) on its own line.
  const violated = res.reduce((n, c) => n + Object.values(c.results).filter((r) => r.verdict === 'violated').length, 0);
  const perCell = matrixText('toy', res, { perCell: true });
  assert.equal(perCell.split('\n').filter((l) => /^ {2}✗ row \d+ /.test(l)).length, violated);
});

test('explanations cite the thread for the findings it discusses', () => {
  const arm = { iommu: 'arm-smmu-v3' as const, passthrough: false, ccGuest: false };
  assert.match(explain('fun.msi-works', { ...arm, variant: parseVariant('boot-dma-security,park=blocked') }, []) ?? '', /D6, Nicolin Feb 18/);
  assert.match(explain('fun.no-silent-msi-loss', { ...arm, variant: parseVariant('mainline') }, []) ?? '', /Jason Feb 20\/26/);
  assert.match(explain('fun.cxl-cache-works', { ...arm, passthrough: true, variant: parseVariant('mainline') }, []) ?? '', /R5\.4/);
  assert.match(explain('sec.blocked-means-no-translated', { ...arm, iommu: 'intel', variant: parseVariant('mainline') }, []) ?? '', /R5\.13/);
  // Every invariant has at least one catch-all row.
  for (const id of INVARIANT_IDS) {
    for (const iommu of IOMMU_IDS) assert.notEqual(explain(id, { ...arm, iommu, variant: parseVariant('cxl-ats-opt-in') }, []), null, `${id} ${iommu}`);
  }
});

test('every explanation row cites a rule (R/A/P/D, §, golden) or a dated thread message', () => {
  for (const r of EXPLANATIONS) assert.match(r.text, /\b[RAPD]\d|§\d|golden \d+|(Jan|Feb) \d+/, `${r.invariant}: ${r.text}`);
});

test('a backend that fails to load rejects the run (in-process and with workers), never hangs', async () => {
  const bogus = new URL('./no-such-backend.ts', import.meta.url).href;
  await assert.rejects(runMatrix(base, cells, { jobs: 1, backendModule: bogus }));
  await assert.rejects(runMatrix(base, cells, { jobs: 2, backendModule: bogus }));
});

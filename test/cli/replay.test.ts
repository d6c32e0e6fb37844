// run --trace: a counterexample of verify --json replayed, from a file or stdin; it says
// whether the violation reproduces. The counterexamples come from verify itself (the thing
// being replayed); what a replay must show is fixed by the thread: SMMUv3 IDENTITY gives
// the CXL.cache device no ATS (golden 15, Nicolin Jan 17).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCounterexample } from '../../src/cli/replay.js';
import { clis } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'dmagate-replay-'));
const [cexRun, matrixRun] = clis([
  ['verify', '--iommu', 'arm-smmu-v3', '--passthrough', '--json'],
  ['matrix', '--variants', (writeFileSync(join(dir, 'v.txt'), 'mainline\n'), join(dir, 'v.txt')), '--iommu', 'arm-smmu-v3', '--invariant', 'F1,F2', '--jobs', '1', '--json'],
]);
const cex = join(dir, 'cex.json');
writeFileSync(cex, cexRun.out);
const mx = join(dir, 'matrix.json');
writeFileSync(mx, matrixRun.out);
const edited = join(dir, 'edited.json');
{
  // The same counterexample cut short: without bind(cxl-accel) no driver is bound, so the
  // premise of fun.cxl-cache-works is never reached: it cannot be violated.
  const j = JSON.parse(cexRun.out) as { results: Record<string, { trace?: string[] }> };
  j.results['fun.cxl-cache-works'].trace = j.results['fun.cxl-cache-works'].trace?.slice(0, -1);
  writeFileSync(edited, JSON.stringify(j));
}
const foreign = join(dir, 'foreign.json');
writeFileSync(foreign, cexRun.out.replaceAll('cxl-accel', 'other-dev'));

const [file, stdin, many, clash, notRepro, matrixMany, matrixOne, wrongPlatform, notJson] = [
  clis([['run', '--trace', cex, '--invariant', 'fun.cxl-cache-works']])[0],
  clis([['run', '--trace', '-', '--invariant', 'F1']], cexRun.out)[0],
  clis([['run', '--trace', cex]])[0],
  clis([['run', '--trace', cex, '--invariant', 'F1', '--passthrough']])[0],
  clis([['run', '--trace', edited, '--invariant', 'F1']])[0],
  clis([['run', '--trace', mx]])[0],
  clis([['run', '--trace', mx, '--invariant', 'F1']])[0],
  clis([['run', '--trace', foreign, '--invariant', 'F1']])[0],
  clis([['run', '--trace', '-']], 'dmagate verify — not json')[0],
];

test('the replay takes the cell\'s settings and events, and the violation reproduces (exit 1)', () => {
  assert.equal(file.code, 1, file.err);
  assert.match(file.out, /platform: reference on arm-smmu-v3; .*passthrough on/);
  assert.match(file.out, /^\[0\] probe\(rp-cxl\) -> ok$/m);
  assert.match(file.out, /^\[2\] bind\(cxl-accel\) -> ok$/m);
  assert.match(file.out, /^cxl-accel\s+cxl_accel\s+g\d+\s+identity\s+off\s+rejected/m);
  assert.match(file.out, /reproduced: fun\.cxl-cache-works is violated after \[2\] bind\(cxl-accel\)/);
});

test('--trace - reads stdin; the output is the same as from the file but for the source', () => {
  assert.equal(stdin.code, 1, stdin.err);
  assert.equal(stdin.out.replace(/ from - /, ` from ${cex} `), file.out);
});

test('several violations: an error listing them by code, asking for --invariant (exit 2)', () => {
  assert.equal(many.code, 2);
  assert.match(many.err, /violations \(.*F1 fun\.cxl-cache-works.*\); choose one with --invariant/);
});

test('options the counterexample fixes are refused with --trace', () => {
  assert.equal(clash.code, 2);
  assert.match(clash.err, /drop --\[no-\]passthrough/);
});

test('a trace that no longer violates says NOT reproduced (exit 0)', () => {
  assert.equal(notRepro.code, 0, notRepro.err);
  assert.match(notRepro.out, /NOT reproduced: fun\.cxl-cache-works holds at every step/);
});

test('a matrix --json document: one violated (cell, invariant) is replayed; several are listed by cell', () => {
  // mainline on SMMUv3: F1 only with passthrough on (IDENTITY, golden 15); F2 in both cells
  // (a VFIO claim moves the pcieport's group, D10).
  assert.equal(matrixOne.code, 1, matrixOne.err);
  assert.match(matrixOne.out, /replayed: F1 fun\.cxl-cache-works .*passthrough on/);
  assert.equal(matrixMany.code, 2);
  assert.match(matrixMany.err, /3 violations \(cells\[0\]\.F2 fun\.msi-works, cells\[1\]\.F1 fun\.cxl-cache-works, cells\[1\]\.F2 fun\.msi-works\)/);
});

test('a counterexample naming devices the platform lacks, or text that is not JSON: exit 2, saying what to give', () => {
  assert.equal(wrongPlatform.code, 2);
  assert.match(wrongPlatform.err, /no device named "other-dev" on platform reference.*give the scenario verify ran on/);
  assert.equal(notJson.code, 2);
  assert.match(notJson.err, /not JSON \(expected the output of dmagate verify --json\)/);
});

test('parseCounterexample rejects malformed cells with the key at fault', () => {
  assert.throws(() => parseCounterexample('{"results": {"fun.msi-works": {"verdict": "violated"}}}', 'x.json'), /results\["fun\.msi-works"\]\.trace is missing/);
  assert.throws(() => parseCounterexample('{"results": {"fun.msi-works": {"verdict": "violated", "trace": []}}}', 'x.json'), /iommu is missing/);
  assert.throws(() => parseCounterexample('{"iommu": "amd", "passthrough": false, "ccGuest": false, "variant": "mainline", "results": {"fun.msi-works": {"verdict": "violated", "trace": ["bnid(x)"]}}}', 'x.json'), /trace\[0\].*did you mean "bind"/);
  assert.throws(() => parseCounterexample('[1]', 'x.json'), /results is missing/);
  assert.throws(() => parseCounterexample('{"results": {"fun.msi-wroks": {"verdict": "violated", "trace": []}}}', 'x.json'), /--trace x\.json: results: unknown invariant "fun\.msi-wroks" \(did you mean "fun\.msi-works"\?\)/);
});

test('parseCounterexample on arbitrary JSON and on mutated counterexamples: a result or an InputError, never another exception', async () => {
  const fc = (await import('fast-check')).default;
  const { InputError } = await import('../../src/util/errors.js');
  const real = JSON.parse(cexRun.out) as Record<string, unknown>;
  const ok = (text: string, pick?: readonly string[]): boolean => {
    try {
      parseCounterexample(text, 'fuzz.json', pick);
      return true;
    } catch (e) {
      return e instanceof InputError;
    }
  };
  fc.assert(fc.property(fc.jsonValue(), (v) => ok(JSON.stringify(v))), { numRuns: 300 });
  fc.assert(fc.property(fc.string(), (s) => ok(s)), { numRuns: 200 });
  // Replace one top-level field or one result by arbitrary JSON.
  const keys = Object.keys(real);
  fc.assert(
    fc.property(fc.constantFrom(...keys), fc.jsonValue(), fc.constantFrom(undefined, ['F1'], ['S4']), (k, v, pick) => ok(JSON.stringify({ ...real, [k]: v }), pick)),
    { numRuns: 300 },
  );
});

// Command-line habits: list options never swallow positionals (comma-separated or repeated),
// invariant column codes wherever an id is taken, did-you-mean for every misspelt name,
// verify's progress line (TTY only, after a second) and one mermaid shape for 0, 1 or many
// violations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectList, resolveInvariants } from '../../src/cli/select.js';
import { statesProgress } from '../../src/cli/progress.js';
import { InputError } from '../../src/util/errors.js';
import { clis, REPO } from '../support/cli.js';

test('collectList: comma-separated values and repeats accumulate; an empty item is an error', () => {
  assert.deepEqual(collectList('c', collectList('a,b', undefined)), ['a', 'b', 'c']);
  assert.deepEqual(collectList(' a , b ', undefined), ['a', 'b']);
  assert.throws(() => collectList('a,,b', undefined), InputError);
  assert.throws(() => collectList('', undefined), InputError);
});

test('invariant ids and matrix column codes (any case) name the same invariants; unknown ones suggest the nearest', () => {
  assert.deepEqual(resolveInvariants(['S1', 'f2', 'adv.identity-without-ats', 'sec.untrusted-no-ats']), ['sec.untrusted-no-ats', 'fun.msi-works', 'adv.identity-without-ats']);
  assert.equal(resolveInvariants([]), undefined);
  assert.throws(() => resolveInvariants(['fun.msi-wroks']), /did you mean "fun\.msi-works"/);
  assert.throws(() => resolveInvariants(['S9']), /unknown invariant "S9"/);
});

const dir = mkdtempSync(join(tmpdir(), 'dmagate-opts-'));
const scenario = join(REPO, 'scenarios/reference-platform.yaml');
const typo = join(dir, 'typo.yaml');
writeFileSync(typo, readFileSync(join(REPO, 'scenarios/golden/15-smmu-identity-no-ats.yaml'), 'utf8').replace('"bind(accel)"', '"bind(acel)"'));
const combos = join(dir, 'v.txt');
writeFileSync(combos, 'mainline\n');

const RUNS: Record<string, string[]> = {
  positional: ['verify', '--invariant', 'fun.msi-works', scenario, '--iommu', 'arm-smmu-v3', '--variant', 'boot-dma-security,park=blocked'],
  repeated: ['verify', '--invariant', 'S1', '--invariant', 'F2,A1', '--iommu', 'intel'],
  matrixIommus: ['matrix', '--variants', combos, '--iommu', 'arm-smmu-v3', '--iommu', 'amd', '--invariant', 'F2', '--jobs', '1'],
  matrixPositional: ['matrix', '--iommu', 'intel', '--invariant', 'S1', scenario, '--variants', combos, '--jobs', '1'],
  variantTypo: ['verify', '--variant', 'boot-dma-secruity,park=blocked'],
  parkTypo: ['verify', '--variant', 'boot-dma-security,park=blokced'],
  iommuTypo: ['verify', '--iommu', 'intle'],
  matrixIommuTypo: ['matrix', '--iommu', 'amd,intel-legacyy'],
  eventTypo: ['run', '-e', 'vfio-bnid(gpu)'],
  deviceTypo: ['run', '-e', 'probe(rp-cx)'],
  scenarioDeviceTypo: ['run', typo],
  failOnTypo: ['verify', '--fail-on', 'violatd'],
  mermaid0: ['verify', '--iommu', 'intel', '--invariant', 'S1', '--format', 'mermaid'],
  mermaid1: ['verify', '--iommu', 'arm-smmu-v3', '--variant', 'boot-dma-security,park=blocked', '--invariant', 'F2,S1', '--format', 'mermaid'],
  mermaidMany: ['verify', '--iommu', 'arm-smmu-v3', '--passthrough', '--invariant', 'F1,F2,S4', '--format', 'mermaid'],
  list: ['verify', '--list-invariants'],
  oldIommuSyntax: ['matrix', '--iommu', 'arm-smmu-v3', 'intel'],
  oldInvariantSyntax: ['verify', '--invariant', 'S1', 'F2'],
};
const keys = Object.keys(RUNS);
const all = clis(keys.map((k) => RUNS[k]));
const r = Object.fromEntries(keys.map((k, i) => [k, all[i]]));

test('verify --invariant X my.yaml: the option takes one list, the file stays the scenario', () => {
  assert.equal(r.positional.code, 1, r.positional.err); // D6: park=blocked breaks pcieport MSI on ARM
  assert.match(r.positional.out, /platform reference,/);
  assert.match(r.positional.out, /VIOLATED\s+F2\s+fun\.msi-works/);
  assert.deepEqual(r.positional.out.match(/^ {2}\S.*$/gm)?.length, 1, 'only the one invariant');
});

test('repeated and comma-separated --invariant accumulate, in registry order', () => {
  assert.deepEqual([...r.repeated.out.matchAll(/^ {2}\S+(?: \(vacuously\))?\s+([SFA]\d)\s+(\S+)/gm)].map((m) => m[1]), ['S1', 'F2', 'A1']);
});

test('matrix: --iommu repeats; a subset of invariants keeps the full table\'s column codes; the scenario positional survives', () => {
  assert.equal(r.matrixIommus.code, 1, r.matrixIommus.err);
  assert.match(r.matrixIommus.out, /== arm-smmu-v3 ==[\s\S]*== amd ==/);
  assert.match(r.matrixIommus.out, /^ {2}F2 {2}fun\.msi-works$/m);
  assert.equal(r.matrixPositional.code, 0, r.matrixPositional.err);
  assert.match(r.matrixPositional.out, /platform reference, 2 cells/);
});

test('did you mean: variants, park modes, IOMMUs, events, devices, scenario events, --fail-on', () => {
  const want: Record<string, RegExp> = {
    variantTypo: /unknown option "boot-dma-secruity" \(did you mean "boot-dma-security"\?\)/,
    parkTypo: /park=blokced is unknown \(did you mean "blocked"\?\)/,
    iommuTypo: /unknown IOMMU "intle" \(did you mean "intel"\?\)/,
    matrixIommuTypo: /unknown IOMMU "intel-legacyy" \(did you mean "intel-legacy"\?\)/,
    eventTypo: /unknown kind "vfio-bnid" \(did you mean "vfio-bind"\?\)/,
    deviceTypo: /no device named "rp-cx" \(did you mean "rp-cxl"\?\)/,
    scenarioDeviceTypo: /no device named "acel" \(did you mean "accel"\?\)/,
    failOnTypo: /did you mean "violated"\?/,
  };
  for (const [k, re] of Object.entries(want)) {
    assert.equal(r[k].code, 2, k);
    assert.match(r[k].err, re, k);
  }
});

test('verify --list-invariants: code, id and meaning of all 14', () => {
  const lines = r.list.out.trimEnd().split('\n');
  assert.equal(lines.length, 14);
  assert.match(lines[0], /^S1 {2}sec\.untrusted-no-ats {2,}an untrusted device never has ATS enabled/);
  assert.match(lines[13], /^A1 {2}adv\.identity-without-ats /);
});

test('mermaid: one Markdown shape for 0, 1 and many violations — a title, then per violation a heading, its explanation and one fenced diagram', () => {
  for (const [k, n] of [['mermaid0', 0], ['mermaid1', 1], ['mermaidMany', 3]] as const) {
    const out = r[k].out;
    assert.match(out, /^# dmagate verify — platform reference, /, k);
    assert.equal(out.match(/^```mermaid\nsequenceDiagram\n/gm)?.length ?? 0, n, k);
    assert.equal(out.match(/^## [SFA]\d \S+$/gm)?.length ?? 0, n, k);
    assert.equal(out.match(/^```$/gm)?.length ?? 0, n, k);
    assert.equal(r[k].code, n > 0 ? 1 : 0, k);
  }
  assert.match(r.mermaid0.out, /No invariant is violated/);
  assert.match(r.mermaid1.out, /## F2 fun\.msi-works\n\npark=blocked breaks pcieport MSI on ARM .* — D6, Nicolin Feb 18\n/);
});

test('progress: nothing unless stderr is a TTY; on one, nothing in the first second, then states, depth and rate; parts add up', () => {
  let t = 0;
  const writes: string[] = [];
  assert.equal(statesProgress({ isTTY: false, write: (s) => writes.push(s) }, () => t), undefined);
  const p = statesProgress({ isTTY: true, write: (s) => writes.push(s) }, () => t);
  assert.ok(p);
  p.onStates(1024, 3);
  t = 999;
  p.onStates(2048, 4);
  assert.deepEqual(writes, [], 'quiet for the first second');
  t = 2000;
  p.onStates(3072, 5);
  assert.equal(writes.at(-1), '\r\x1b[Kexplored 3072 states, depth 5, 1536 states/s');
  t = 4000;
  p.onStates(1024, 2); // a new part: its count restarts
  assert.equal(writes.at(-1), '\r\x1b[Kexplored 4096 states, depth 2, 1024 states/s');
  p.done();
  assert.equal(writes.at(-1), '\r\x1b[K');
});

test('no option of any command is variadic (a variadic option would swallow the positional after it)', async () => {
  const { buildProgram } = await import('../../src/cli/main.js');
  const program = await buildProgram();
  // every command, nested ones (agent list, matrix merge, …) included
  const walk = (cs: readonly (typeof program)[], path: string): void => {
    for (const c of cs) {
      for (const o of c.options) assert.equal(o.variadic, false, `${path}${c.name()} ${o.flags}`);
      walk(c.commands, `${path}${c.name()} `);
    }
  };
  walk(program.commands, '');
});

test('the old variadic syntax (--iommu a b, --invariant a b) gets an error saying how lists are written now', () => {
  assert.equal(r.oldIommuSyntax.code, 2);
  assert.match(r.oldIommuSyntax.err, /no scenario file "intel": .*--iommu a,intel/);
  assert.equal(r.oldInvariantSyntax.code, 2);
  assert.match(r.oldInvariantSyntax.err, /no scenario file "F2": .*--invariant a,F2/);
});

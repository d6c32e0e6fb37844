// The exit-code contract of src/cli/main.ts, command by command: 0 success, 1 found something,
// 2 usage or input error. Expected codes come from the contract (issue 8, README "Exit
// status"); the "found" rows are cases the reference and the thread say are violations
// (golden 15: SMMUv3 IDENTITY gives a CXL.cache device no ATS; D6: park=blocked breaks
// pcieport MSI on ARM) or failed expectations written into the test itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { atsUnderIdentityHost, noIommuHost } from '../support/hosts.js';
import { clis, REPO } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'dmagate-exit-'));
const combos = join(dir, 'v.txt');
writeFileSync(combos, 'mainline\n');
const failing = join(dir, 'failing.yaml');
// Golden 15 with an expectation that cannot hold: under iommu.passthrough=1 the default
// domain is IDENTITY (R4.2), so expecting DMA must fail.
const golden15 = readFileSync(join(REPO, 'scenarios/golden/15-smmu-identity-no-ats.yaml'), 'utf8');
assert.ok(golden15.includes('domain: identity '));
writeFileSync(failing, golden15.replace('domain: identity ', 'domain: dma '));
const fake = atsUnderIdentityHost();
// A PCI bus but no IOMMU unit: the audit's HIGH "no-iommu" finding.
const noIommu = noIommuHost();
const noPci = mkdtempSync(join(tmpdir(), 'dmagate-nopci-'));
after(() => {
  fake.cleanup();
  noIommu.cleanup();
});

const SMALL = ['--invariant', 'S1'];
type Row = readonly [expected: 0 | 1 | 2, argv: readonly string[], why: string];
const ROWS: readonly Row[] = [
  // dmagate itself
  [0, ['--version'], 'version'],
  [0, ['--help'], 'help'],
  [0, ['help', 'verify'], 'help for a command'],
  [2, [], 'no command'],
  [2, ['frobnicate'], 'unknown command'],
  [2, ['verify', '--bogus'], 'unknown option (commander)'],
  [2, ['verify', 'a.yaml', 'b.yaml'], 'too many arguments (commander)'],
  [2, ['verify', '--iommu'], 'option without its value (commander)'],
  // verify
  [0, ['verify', '--list-invariants'], 'list'],
  [0, ['verify', '--iommu', 'arm-smmu-v3', ...SMALL], 'nothing violated'],
  [1, ['verify', '--iommu', 'arm-smmu-v3', '--passthrough', '--invariant', 'fun.cxl-cache-works'], 'violated (golden 15)'],
  [0, ['verify', '--iommu', 'arm-smmu-v3', '--passthrough', '--invariant', 'F1', '--fail-on', 'never'], 'violated, --fail-on never'],
  [1, ['verify', '--iommu', 'arm-smmu-v3', '--max-depth', '1', '--invariant', 'S4', '--fail-on', 'inconclusive', '--variant', 'boot-dma-security,park=blocked'], 'inconclusive, --fail-on inconclusive'],
  [0, ['verify', '--iommu', 'arm-smmu-v3', '--max-depth', '1', '--invariant', 'S4', '--variant', 'boot-dma-security,park=blocked'], 'inconclusive is not violated'],
  [2, ['verify', '--invariant', 'sec.nope'], 'unknown invariant'],
  [2, ['verify', '--fail-on', 'sometimes'], 'bad --fail-on'],
  [2, ['verify', '--variant', 'park=blocked'], 'bad variant'],
  [2, ['verify', '/nonexistent.yaml'], 'missing scenario'],
  // matrix
  [1, ['matrix', '--variants', combos, '--iommu', 'arm-smmu-v3', '--jobs', '1'], 'mainline violates invariants'],
  [0, ['matrix', '--variants', combos, '--iommu', 'arm-smmu-v3', '--jobs', '1', '--invariant', 'S1'], 'nothing violated'],
  [0, ['matrix', '--variants', combos, '--iommu', 'arm-smmu-v3', '--jobs', '1', '--fail-on', 'never'], '--fail-on never'],
  [2, ['matrix', '--iommu', 'sparc'], 'unknown IOMMU'],
  [2, ['matrix', '--invariant', 'S1,,F2'], 'empty list item'],
  // run
  [0, ['run', '-e', 'probe(rp-cxl)'], 'ran, no expectations'],
  [0, ['run', 'scenarios/golden/15-smmu-identity-no-ats.yaml'], 'expectations hold'],
  [1, ['run', failing], 'an expectation fails'],
  [2, ['run', '-e', 'porbe(rp-cxl)'], 'bad event'],
  [2, ['run', '-e', 'probe(rp-cxll)'], 'unknown device'],
  [2, ['run', '--trace', '/nonexistent.json'], 'unreadable --trace'],
  [2, ['run', '--invariant', 'S1'], '--invariant without --trace'],
  // audit
  // The fake host's one finding is ats-enabled-identity, LOW (sysfs-audit.ts; D2 is a
  // recommendation); the IOMMU-less host's no-iommu is HIGH.
  [0, ['audit', '--sysfs', fake.root], 'a LOW finding, default --fail-on high'],
  [0, ['audit', '--sysfs', fake.root, '--fail-on', 'medium'], 'a LOW finding, --fail-on medium'],
  [1, ['audit', '--sysfs', fake.root, '--fail-on', 'low'], 'a LOW finding, --fail-on low'],
  [1, ['audit', '--sysfs', fake.root, '--fail-on', 'info'], 'a LOW finding, --fail-on info'],
  [1, ['audit', '--sysfs', noIommu.root], 'a HIGH finding (no IOMMU), default --fail-on high'],
  [0, ['audit', '--sysfs', noIommu.root, '--fail-on', 'never'], '--fail-on never'],
  [1, ['audit', '--sysfs', fake.root, '--json', '--fail-on', 'low'], '--json exits as the text does'],
  [2, ['audit', '--sysfs', fake.root, '--fail-on', 'severe'], 'bad --fail-on'],
  [2, ['audit', '--sysfs', fake.root, '-s', '07:00.0'], '-s names no function'],
  [2, ['audit', '--sysfs', fake.root, '-s', 'nonsense'], '-s malformed'],
  // schema
  [0, ['schema'], 'prints'],
  [2, ['schema', '-o', '/nonexistent-dir/x.json'], 'cannot write'],
  // completion
  [0, ['completion', 'bash'], 'bash'],
  [2, ['completion', 'fish'], 'unknown shell'],
];

const rows = ROWS;
const results = clis(rows.map((r) => r[1]));

for (const [i, [expected, argv, why]] of rows.entries()) {
  test(`exit ${expected}: dmagate ${argv.join(' ').replace(dir, '$TMP').replace(fake.root, '$SYSFS')} (${why})`, () => {
    const r = results[i];
    assert.equal(r.code, expected, `stderr: ${r.err}`);
    if (expected === 2 && !['--bogus', 'a.yaml', '--iommu'].some((a) => argv.includes(a)) && argv.length > 0 && argv[0] !== 'frobnicate') {
      assert.match(r.err, /^dmagate( [a-z]+)?: /m, 'a bad-input message names the command');
    }
    if (expected === 2) assert.doesNotMatch(r.err, /\n\s+at /, 'no stack trace');
  });
}

test('audit: a --sysfs root without sys/bus/pci is bad input (exit 2) or a plain no-bus report, never a crash', () => {
  const r = clis([['audit', '--sysfs', noPci]])[0];
  assert.ok(r.code === 2 || /no PCI bus/.test(r.out), `${r.code} ${r.out} ${r.err}`);
  assert.doesNotMatch(r.err, /\n\s+at /);
});

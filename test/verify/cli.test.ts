// `dmagate verify` / `dmagate matrix` through the CLI entry: exit codes, JSON shape, Mermaid.
import { clis, type Run } from '../support/cli.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';



const dir = mkdtempSync(join(tmpdir(), 'dmagate-'));
const badFile = join(dir, 'bad.txt');
writeFileSync(badFile, 'mainline\nrmr=ignore\n');
const goodFile = join(dir, 'v.txt');
writeFileSync(goodFile, '# two combinations\nmainline\n[cc-guest] cc-vm-lock-off\n');
const BAD: string[][] = [
  ['verify', '--invariant', 'sec.nope'],
  ['verify', '--variant', 'park=blocked'],
  ['verify', '--iommu', 'sparc'],
  ['verify', '--max-states', '0'],
  ['verify', '--format', 'xml'],
  ['matrix', '--jobs', 'two'],
  ['matrix', '--variants', '/nonexistent/variants.txt'],
  ['matrix', '--variants', badFile],
];
const GOOD: Record<string, string[]> = {
  json: ['verify', '--iommu', 'arm-smmu-v3', '--passthrough', '--json'],
  mermaid: ['verify', '--iommu', 'arm-smmu-v3', '--variant', 'boot-dma-security,park=blocked', '--invariant', 'fun.msi-works', '--format', 'mermaid'],
  matrix: ['matrix', '--variants', goodFile, '--iommu', 'arm-smmu-v3,amd', '--json', '--jobs', '1'],
};
let all: Run[] | null = null;
/** Every invocation of this file, run once in one child process. */
function results(): { bad: Run[]; good: Record<string, Run> } {
  all ??= clis([...BAD, ...Object.values(GOOD)]);
  const good: Record<string, Run> = {};
  Object.keys(GOOD).forEach((k, i) => (good[k] = (all as Run[])[BAD.length + i]));
  return { bad: all.slice(0, BAD.length), good };
}
async function cli(args: string[]): Promise<Run> {
  const key = Object.keys(GOOD).find((k) => GOOD[k] === args);
  if (key === undefined) return clis([args])[0];
  return results().good[key];
}

test('bad input exits 2 with a reason', () => {
  results().bad.forEach((r, i) => {
    assert.equal(r.code, 2, BAD[i].join(' '));
    assert.match(r.err, /dmagate (verify|matrix): /, BAD[i].join(' '));
  });
  assert.match(results().bad[BAD.length - 1].err, /bad\.txt:2: /);
});

test('verify --json prints one cell in the matrix shape; a violation is a finding (exit 1)', async () => {
  const r = await cli(GOOD.json);
  assert.equal(r.code, 1);
  const cell = JSON.parse(r.out) as Record<string, unknown> & { results: Record<string, { verdict: string; trace?: string[] }> };
  assert.deepEqual(Object.keys(cell), ['iommu', 'passthrough', 'ccGuest', 'variant', 'stats', 'results']);
  assert.equal(cell.iommu, 'arm-smmu-v3');
  assert.equal(cell.passthrough, true);
  assert.equal(cell.variant, 'mainline');
  // The bug the RFC fixes (golden 15).
  assert.equal(cell.results['fun.cxl-cache-works'].verdict, 'violated');
  assert.equal(cell.results['sec.no-hypervisor-escape'].verdict, 'n/a');
});

test('verify --format mermaid draws a sequenceDiagram for one violated invariant', async () => {
  const r = await cli(GOOD.mermaid);
  assert.equal(r.code, 1);
  assert.match(r.out, /^# dmagate verify /);
  assert.match(r.out, /\n## F2 fun\.msi-works\n/);
  assert.match(r.out, /```mermaid\nsequenceDiagram\n/);
  assert.match(r.out, /U->>K: probe\(/);
  assert.match(r.out, /Note over .*fun\.msi-works violated/);
});

test('matrix --json over a variants file: the contract\'s keys and cell count', async () => {
  const r = await cli(GOOD.matrix);
  assert.equal(r.code, 1, r.err); // mainline violates invariants: found something
  const j = JSON.parse(r.out) as { platform: string; cells: { ccGuest: boolean; variant: string }[] };
  assert.deepEqual(Object.keys(j), ['platform', 'cells']);
  assert.equal(j.platform, 'reference');
  assert.equal(j.cells.length, 2 * 2 * 2);
  assert.deepEqual(j.cells.slice(0, 4).map((c) => [c.variant, c.ccGuest]), [['mainline', false], ['mainline', false], ['cc-vm-lock-off', true], ['cc-vm-lock-off', true]]);
  assert.equal(r.err, '', 'no progress bar when stderr is not a TTY');
});

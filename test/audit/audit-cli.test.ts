// `dmagate audit` through the CLI entry (main), on a fake tree: text, --json, -s BDF.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import { runAudit } from '../../src/cli/audit.js';
import { NO_IOMMU_TEXT } from '../../src/platform/sysfs-audit.js';
import { atsUnderIdentityHost, noIommuHost } from '../support/hosts.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const t = atsUnderIdentityHost();
const noIommu = noIommuHost();
after(() => {
  t.cleanup();
  noIommu.cleanup();
});

/** Runs the real CLI entry (src/cli/main.ts) in a child process, as a user would. */
function cli(argv: string[]): { code: number; out: string } {
  const script = `const m = await import(${JSON.stringify(pathToFileURL(join(repoRoot, 'src/cli/main.ts')).href)}); process.exitCode = await m.main(${JSON.stringify(argv)});`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: repoRoot, encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout + r.stderr };
}

describe('dmagate audit', () => {
  it('-s takes lspci\'s slot grammar (pciutils lib/filter.c pci_filter_parse_slot)', () => {
    const sel = (slot: string): string[] => (JSON.parse(runAudit({ sysfs: t.root, json: true, slot }).text) as { functions: { bdf: string }[] }).functions.map((f) => f.bdf);
    // short hex fields, an upper-case domain, and wildcards select as lspci -s does
    assert.deepEqual(sel('1:0.0'), ['0000:01:00.0']);
    assert.deepEqual(sel('0000:01:00.0'), ['0000:01:00.0']);
    assert.deepEqual(sel('01:'), ['0000:01:00.0']);
    assert.deepEqual(sel('*.0'), ['0000:00:01.0', '0000:01:00.0']);
    assert.deepEqual(sel('0:'), ['0000:00:01.0']);
    // out of range or not a slot: exit 2 naming the part
    for (const [slot, why] of [['01:00.8', /function "8" out of range/], ['../../etc', /invalid/], ['1:2:3:4', /too many/]] as const) {
      const r = runAudit({ sysfs: t.root, slot });
      assert.equal(r.code, 2, slot);
      assert.match(r.text, why);
    }
  });

  it('is registered: dmagate audit prints a table and the findings', () => {
    const r = cli(['audit', '--sysfs', t.root]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /0000:01:00\.0\s+1234:0001\s+endpoint\s+nic\s+2:identity\s+ON/);
    assert.match(r.out, /ats-enabled-identity/);
  });

  it('--json is machine output with the same findings', () => {
    const rep = JSON.parse(runAudit({ sysfs: t.root, json: true }).text) as { functions: { bdf: string }[]; findings: { id: string; bdf: string | null }[] };
    assert.deepEqual(rep.functions.map((f) => f.bdf), ['0000:00:01.0', '0000:01:00.0']);
    assert.deepEqual(rep.findings.map((f) => [f.id, f.bdf]), [['ats-enabled-identity', '0000:01:00.0']]);
  });

  it('-s restricts to one function', () => {
    const rep = JSON.parse(runAudit({ sysfs: t.root, json: true, slot: '00:01.0' }).text) as { functions: { bdf: string }[]; findings: unknown[] };
    assert.deepEqual(rep.functions.map((f) => f.bdf), ['0000:00:01.0']);
    assert.deepEqual(rep.findings, []);
  });

  it('-s with an unknown or malformed BDF is an error', () => {
    // Exit 2 (bad input), with the nearest function: the contract of src/cli/main.ts.
    const r = runAudit({ sysfs: t.root, slot: '01:00.1' });
    assert.equal(r.code, 2);
    assert.match(r.text, /did you mean "0000:01:00\.0"/);
    assert.equal(runAudit({ sysfs: t.root, slot: 'nonsense' }).code, 2);
  });

  it('says plainly when there is no IOMMU', () => {
    const r = runAudit({ sysfs: noIommu.root });
    assert.ok(r.text.includes(`IOMMU: ${NO_IOMMU_TEXT}`));
  });
});

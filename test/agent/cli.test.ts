// `dmagate agent …` end to end: exit codes (0 ok, 1 found something, 2 bad input), bare
// FILE:LINE:COL errors, dry run by default, explain's reasons, the kill switch, log --json.
import { clis } from '../support/cli.js';
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostTree, NIC, EXT } from './support/tree.js';


const dir = mkdtempSync(join(tmpdir(), 'dmagate-agent-cli-'));
const t = hostTree();
after(() => {
  rmSync(dir, { recursive: true, force: true });
  t.cleanup();
});
const good = join(dir, 'good.rules');
writeFileSync(good, 'allow class 06:04\nreject external\nallow id 15b3:*\n');
const bad = join(dir, 'bad.rules');
writeFileSync(bad, 'allow id 15b3:*\nallow vendor 15b3\nblock with-cap pasdi\n');
const forget = join(dir, 'forget.rules');
writeFileSync(forget, 'allow class none-of { 06:04 }\n');
const db = join(dir, 'agent.db');

describe('dmagate agent', () => {
  const [check, checkBad, explain, runDry, list, simForget, logNone] = clis([
    ['agent', 'check', good],
    ['agent', 'check', good, bad],
    ['agent', 'explain', NIC, '--rules', good, '--sysfs', t.root],
    ['agent', 'run', '--once', '--rules', good, '--sysfs', t.root, '--json'],
    ['agent', 'list', '--sysfs', t.root, '--rules', good, '-b', '--json'],
    ['agent', 'simulate', forget, '--iommu', 'arm-smmu-v3'],
    ['agent', 'log', '--store', join(dir, 'none.db')],
  ]);

  it('check: 0 and a summary for good rules; 2 and bare FILE:LINE:COL lines for bad ones', () => {
    assert.equal(check.code, 0);
    assert.match(check.out, /^3 rules in 1 file; implicit target block; policy sha256:[0-9a-f]{64}\n$/);
    assert.equal(checkBad.code, 2);
    assert.deepEqual(checkBad.err.trim().split('\n'), [
      `${bad}:2:7: unknown attribute "vendor" (known: id, subsystem, class, slot, via, path, dsn, hash, parent-hash, with-cap, external, removable, group-size, vf, driver, label)`,
      `${bad}:3:16: unknown capability "pasdi" (did you mean "pasid"?) (known: ats, pasid, pri, sriov, cxl-cache, cxl-mem, cxl-io)`,
    ]);
  });

  it('explain: the first failing attribute of each earlier rule, every attribute of the deciding one', () => {
    assert.equal(explain.code, 0, explain.err);
    const l = explain.out.split('\n');
    assert.ok(l.some((x) => x.includes('rule 1 (') && x.includes('does not match: class 06:04 — the device has 02:00:00')));
    assert.ok(l.some((x) => x.includes('rule 2 (') && x.includes('does not match: external yes — the device has unknown')));
    assert.ok(l.some((x) => x.includes('rule 3 (') && x.includes('MATCHES → allow')));
    assert.ok(l.some((x) => x.includes('✓ id 15b3:* (device: 15b3:1017)')));
    assert.match(explain.out, /decision: allow — rule 3 /);
  });

  it('run without --apply: the plan in JSON, exit 1 because a device would be rejected, nothing written', () => {
    assert.equal(runDry.code, 1);
    const j = JSON.parse(runDry.out) as { apply: boolean; autoprobe: string; functions: { bdf: string; vendor: string; class: string; status: string; decision: { target: string }; plan: { writes: { path: string }[] } }[] };
    assert.equal(j.apply, false);
    assert.equal(j.autoprobe, 'would-disable');
    const ext = j.functions.find((f) => f.bdf === EXT)!;
    assert.equal(ext.decision.target, 'reject');
    assert.equal(ext.vendor, '1e98');
    assert.equal(ext.class, '120000');
    assert.deepEqual(ext.plan.writes.map((w) => w.path), [`sys/bus/pci/devices/${EXT}/remove`]);
    assert.ok(j.functions.every((f) => f.status === 'planned'));
    assert.equal(readFileSync(join(t.root, 'sys/bus/pci/drivers_autoprobe'), 'utf8'), '1\n');
  });

  it('list -b shows only blocked/rejected functions, in the project JSON shape', () => {
    assert.equal(list.code, 0, list.err);
    const j = JSON.parse(list.out) as { functions: { bdf: string; target: string; vendor: string; device: string }[] };
    assert.deepEqual(j.functions.map((f) => [f.bdf, f.target]), [
      [EXT, 'reject'],
      ['0000:03:00.0', 'block'],
    ]);
  });

  it('simulate names the functional invariant a forgotten bridge breaks, exit 1', () => {
    assert.equal(simForget.code, 1);
    assert.match(simForget.out, /VIOLATED\s+fun\.msi-works by the policy — rp-cxl \(0000:00:01\.0\) is a bridge whose pcieport uses MSI/);
  });

  it('log of a missing store: exit 2 with a message', () => {
    assert.equal(logNone.code, 2);
    assert.match(logNone.err, /no agent store/);
  });

  it('apply with a store, then log --json; the kill switch on the kernel command line stops everything', () => {
    const [apply, log] = clis([
      ['agent', 'run', '--once', '--apply', '--rules', good, '--sysfs', t.root, '--store', db],
      ['agent', 'log', '--store', db, '--json'],
    ]);
    assert.equal(apply.code, 1, apply.err); // ext-cxl rejected
    assert.equal(readFileSync(join(t.root, 'sys/bus/pci/drivers_autoprobe'), 'utf8'), '0\n');
    assert.equal(readFileSync(join(t.root, 'sys/bus/pci/devices', NIC, 'driver_override'), 'utf8'), '(null)\n', 'drivers_probe for an allow without a driver option');
    const entries = (JSON.parse(log.out) as { entries: { what: string; bdf: string | null; result: string; newTarget: string | null }[] }).entries;
    assert.equal(entries[0].what, 'autoprobe-off');
    assert.ok(entries.some((e) => e.what === 'decide' && e.bdf === EXT && e.newTarget === 'reject'));
    assert.ok(entries.filter((e) => e.what === 'apply').every((e) => e.result === 'success'));
    writeFileSync(join(t.root, 'proc/cmdline'), 'root=/dev/sda1 dmagate.agent=off\n');
    const before = readFileSync(join(t.root, 'sys/bus/pci/devices', NIC, 'driver_override'), 'utf8');
    const [off] = clis([['agent', 'run', '--once', '--apply', '--rules', join(dir, 'good.rules'), '--sysfs', t.root, '--store', db]]);
    assert.equal(off.code, 0);
    assert.match(off.err, /dmagate\.agent=off on the kernel command line: not running, nothing written/);
    assert.equal(readFileSync(join(t.root, 'sys/bus/pci/devices', NIC, 'driver_override'), 'utf8'), before);
  });
});

// Hostile sysfs trees and writes (issue 9): an escaping sys/class/iommu link or iommu_groups
// entry must not pass for an IOMMU (the HIGH no-iommu finding stays); driver names and
// reserved_regions text with control characters reach the terminal escaped; the export
// never overwrites and never writes through a symlink.
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { buildConfigSpace } from '../../src/pci/builder.js';
import { auditHost } from '../../src/platform/sysfs-audit.js';
import { readSysfs } from '../../src/platform/sysfs-reader.js';
import { formatAudit, runAudit } from '../../src/cli/audit.js';
import { WriteRefused, writeFileNoFollow } from '../../src/util/safe-write.js';
import { isTermSafe } from '../../src/util/term.js';
import { makeFakeSysfs } from '../support/fake-sysfs.js';

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((c) => c()));
const tmp = (p: string): string => {
  const d = mkdtempSync(join(tmpdir(), p));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
};
const EP = '0000:00:02.0';
const cfg = buildConfigSpace({}).bytes;

describe('IOMMU evidence must stay inside ROOT', () => {
  it('an escaping sys/class/iommu link is noted (ESCAPE) and does not hide no-iommu', () => {
    const t = makeFakeSysfs({ fns: [{ name: EP, config: cfg }] });
    cleanups.push(t.cleanup);
    const outside = tmp('dmagate-outside-');
    symlinkSync(outside, join(t.root, 'sys', 'class', 'iommu', 'dmar0'));
    const host = readSysfs(t.root, { uid: 0 });
    assert.deepEqual(host.iommuUnits, []);
    assert.ok(host.notes.some((n) => n.code === 'ESCAPE' && n.path === 'sys/class/iommu/dmar0'));
    const rep = auditHost(host);
    assert.equal(rep.iommu.present, false);
    assert.ok(rep.findings.some((f) => f.id === 'no-iommu' && f.severity === 'high'));
  });
  it('an escaping iommu_groups entry is not a group', () => {
    const t = makeFakeSysfs({ fns: [{ name: EP, config: cfg }] });
    cleanups.push(t.cleanup);
    const outside = tmp('dmagate-outside-');
    mkdirSync(join(outside, 'devices'));
    writeFileSync(join(outside, 'type'), 'DMA\n');
    symlinkSync(outside, join(t.root, 'sys', 'kernel', 'iommu_groups', '0'));
    const host = readSysfs(t.root, { uid: 0 });
    assert.equal(host.groups.length, 0);
    assert.ok(auditHost(host).findings.some((f) => f.id === 'no-iommu'));
  });
  it('a unit inside ROOT still counts', () => {
    const t = makeFakeSysfs({ fns: [{ name: EP, config: cfg, group: 0 }], groups: [{ id: 0, type: 'DMA' }], iommuUnits: ['dmar0'] });
    cleanups.push(t.cleanup);
    assert.deepEqual(readSysfs(t.root, { uid: 0 }).iommuUnits, ['dmar0']);
  });
});

describe('terminal safety of audit text', () => {
  it('driver names, group types and reserved_regions lines with ESC/NUL/newlines are escaped', () => {
    const evil = 'evil\u001b[2J\u0007x';
    const t = makeFakeSysfs({
      fns: [{ name: EP, config: cfg, group: 0, driver: evil }],
      groups: [{ id: 0, type: 'DMA\u001b]0;pwned\u0007', reservedRegions: '0x0 0xfff direct\n\u001b[31mred\u0000\n' }],
      iommuUnits: ['dmar0'],
    });
    cleanups.push(t.cleanup);
    const text = formatAudit(auditHost(readSysfs(t.root, { uid: 0 })));
    for (const line of text.split('\n')) assert.ok(isTermSafe(line), `unescaped control character in: ${JSON.stringify(line)}`);
    assert.ok(text.includes('evil\\e[2J\\x07x'), 'the driver name is shown, escaped');
    assert.ok(text.includes('\\e[31mred\\x00'), 'the bad reserved_regions line is shown, escaped');
  });
});

describe('writes never follow symlinks', () => {
  it('writeFileNoFollow refuses an existing file, a symlink and a dangling symlink without --force', () => {
    const d = tmp('dmagate-write-');
    const target = join(d, 'target');
    writeFileSync(target, 'precious');
    symlinkSync(target, join(d, 'link'));
    symlinkSync(join(d, 'nowhere'), join(d, 'dangling'));
    for (const name of ['target', 'link', 'dangling']) assert.throws(() => writeFileNoFollow(join(d, name), 'x'), WriteRefused);
    assert.equal(readFileSync(target, 'utf8'), 'precious');
    assert.equal(existsSync(join(d, 'nowhere')), false, 'the dangling link target was not created');
  });
  it('with force, a symlink is replaced by a file and its target is untouched', () => {
    const d = tmp('dmagate-write-');
    const target = join(d, 'target');
    writeFileSync(target, 'precious');
    symlinkSync(target, join(d, 'link'));
    writeFileNoFollow(join(d, 'link'), 'new', { force: true });
    assert.equal(readFileSync(target, 'utf8'), 'precious');
    assert.equal(lstatSync(join(d, 'link')).isSymbolicLink(), false);
    assert.equal(readFileSync(join(d, 'link'), 'utf8'), 'new');
  });
  it('audit --export-scenario refuses a planted <name>.lspci.txt symlink (exit 2), writes nothing, and --force replaces the link only', () => {
    const t = makeFakeSysfs({ fns: [{ name: EP, config: cfg }] });
    cleanups.push(t.cleanup);
    const out = tmp('dmagate-export-');
    const victim = join(out, 'victim');
    writeFileSync(victim, 'precious');
    symlinkSync(victim, join(out, 'host.lspci.txt'));
    const r = runAudit({ sysfs: t.root, exportScenario: join(out, 'host.yaml') });
    assert.equal(r.code, 2);
    assert.match(r.text, /host\.lspci\.txt already exists \(as a symlink, which is never followed\): refusing to overwrite it \(give --force/);
    assert.equal(existsSync(join(out, 'host.yaml')), false);
    assert.equal(readlinkSync(join(out, 'host.lspci.txt')), victim);
    const f = runAudit({ sysfs: t.root, exportScenario: join(out, 'host.yaml'), force: true, failOn: 'never' });
    assert.equal(f.code, 0);
    assert.equal(readFileSync(victim, 'utf8'), 'precious');
    assert.ok(readFileSync(join(out, 'host.lspci.txt'), 'utf8').startsWith(EP));
  });
});

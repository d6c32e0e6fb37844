// Bad input to the sysfs reader: symlinks escaping ROOT (refused), 64-byte (non-root) config,
// short / missing / unreadable config, odd attribute values. Each problem is a note on the
// device or the host, and every other device is still reported.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, describe, it } from 'node:test';
import { buildConfigSpace } from '../../src/pci/builder.js';
import { auditHost } from '../../src/platform/sysfs-audit.js';
import { readSysfs, SysfsRootError } from '../../src/platform/sysfs-reader.js';
import { InputError } from '../../src/util/errors.js';
import { makeFakeSysfs } from '../support/fake-sysfs.js';

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((c) => c()));

const RP = '0000:00:01.0';
const full = buildConfigSpace({ ats: { enabled: true }, cxl: { cache: true } }).bytes;

describe('64-byte config (a non-root read)', () => {
  const t = makeFakeSysfs({
    iommuUnits: ['dmar0'],
    groups: [{ id: 1, type: 'identity' }],
    fns: [{ name: RP, config: full.slice(0, 64), group: 1 }],
  });
  cleanups.push(t.cleanup);
  const host = readSysfs(t.root, { uid: 1000 });
  const rep = auditHost(host);
  const f = rep.functions[0];

  it('says only 64 bytes are readable and why, never guesses the capabilities', () => {
    const n = host.functions[0].notes.find((x) => x.code === 'CONFIG_TRUNCATED');
    assert.ok(n);
    assert.match(n.message, /64 bytes/);
    assert.match(n.message, /not root/);
    assert.equal(f.configBytes, 64);
    assert.deepEqual(f.ats, { present: null, enabled: null });
    assert.deepEqual(f.pasid, { present: null, enabled: null });
    assert.equal(f.cxl, null);
    assert.equal(f.alwaysOn, null);
    assert.ok(f.alwaysOnUnknownWhy);
  });

  it('identity comes from the 64-byte header; finding config-truncated, no ATS finding', () => {
    assert.equal(f.id, '1234:0001');
    const mine = rep.findings.filter((x) => x.device === RP).map((x) => x.id);
    assert.deepEqual(mine, ['config-truncated']);
  });

  it('as root the note does not claim a missing privilege', () => {
    const n = readSysfs(t.root, { uid: 0 }).functions[0].notes.find((x) => x.code === 'CONFIG_TRUNCATED');
    assert.ok(n);
    assert.doesNotMatch(n.message, /not root/);
  });
});

describe('broken, short and missing config files', () => {
  const t = makeFakeSysfs({
    fns: [
      { name: '0000:00:01.0', config: full },
      { name: '0000:00:02.0', config: full.slice(0, 10) },
      { name: '0000:00:03.0', config: null, vendor: 0x8086, device: 0x1234 },
      { name: '0000:00:04.0', config: full.slice(0, 300) },
    ],
  });
  cleanups.push(t.cleanup);
  const rep = auditHost(readSysfs(t.root, { uid: 0 }));
  const by = (n: string) => rep.functions.find((f) => f.name === n);

  it('every function is still reported', () => {
    assert.deepEqual(rep.functions.map((f) => f.name), ['0000:00:01.0', '0000:00:02.0', '0000:00:03.0', '0000:00:04.0']);
    assert.deepEqual(by('0000:00:01.0')?.ats, { present: true, enabled: true });
  });

  it('short config: CONFIG_SHORT note and config-unreadable finding', () => {
    assert.ok(by('0000:00:02.0')?.notes.some((n) => n.code === 'CONFIG_SHORT'));
    assert.ok(rep.findings.some((x) => x.device === '0000:00:02.0' && x.id === 'config-unreadable'));
    assert.deepEqual(by('0000:00:02.0')?.ats, { present: null, enabled: null });
  });

  it('missing config: CONFIG_MISSING note; identity still from the attributes', () => {
    assert.ok(by('0000:00:03.0')?.notes.some((n) => n.code === 'CONFIG_MISSING'));
    assert.equal(by('0000:00:03.0')?.id, '8086:1234');
  });

  it('an odd length is noted and decoded as the 256 bytes below it (no extended capabilities)', () => {
    assert.ok(by('0000:00:04.0')?.notes.some((n) => n.code === 'CONFIG_ODD_SIZE'));
    assert.deepEqual(by('0000:00:04.0')?.ats, { present: false, enabled: false });
  });
});

describe('symlinks escaping ROOT are refused', () => {
  const outside = mkdtempSync(join(tmpdir(), 'dmagate-outside-'));
  cleanups.push(() => rmSync(outside, { recursive: true, force: true }));
  const secret = join(outside, 'secret');
  writeFileSync(secret, 'must never be read\n');
  mkdirSync(join(outside, '0000:00:09.0'));
  writeFileSync(join(outside, '0000:00:09.0', 'config'), full);
  mkdirSync(join(outside, 'groups', '5'), { recursive: true });

  const t = makeFakeSysfs({
    iommuUnits: ['dmar0'],
    groups: [{ id: 1, type: 'DMA' }],
    fns: [
      { name: '0000:00:01.0', config: full, group: 1 },
      { name: '0000:00:02.0', config: full, group: 1 },
      { name: '0000:00:03.0', config: full },
    ],
  });
  cleanups.push(t.cleanup);
  // A bus entry pointing out of ROOT (absolute and relative).
  symlinkSync(join(outside, '0000:00:09.0'), join(t.root, 'sys/bus/pci/devices/0000:00:09.0'));
  symlinkSync(relative(join(t.root, 'sys/bus/pci/devices'), join(outside, '0000:00:09.0')), join(t.root, 'sys/bus/pci/devices/0000:00:0a.0'));
  // An attribute that is a link out of ROOT.
  const d2 = t.dir('0000:00:02.0');
  unlinkSync(join(d2, 'config'));
  symlinkSync(relative(d2, secret), join(d2, 'config'));
  symlinkSync(relative(d2, secret), join(d2, 'removable'));
  // Device links out of ROOT.
  const d3 = t.dir('0000:00:03.0');
  symlinkSync(relative(d3, join(outside, 'groups', '5')), join(d3, 'iommu_group'));
  symlinkSync('/usr/lib', join(d3, 'driver'));
  // A bus entry that is not a PCI address.
  symlinkSync('../../../devices', join(t.root, 'sys/bus/pci/devices/evil'));

  const host = readSysfs(t.root, { uid: 0 });
  const rep = auditHost(host);
  const by = (n: string) => host.functions.find((f) => f.name === n);

  it('bus entries that leave ROOT are not read, and the rest are', () => {
    assert.deepEqual(host.functions.map((f) => f.name), ['0000:00:01.0', '0000:00:02.0', '0000:00:03.0']);
    assert.ok(host.notes.some((n) => n.code === 'ESCAPE' && n.path.endsWith('0000:00:09.0')));
    assert.ok(host.notes.some((n) => n.code === 'ESCAPE' && n.path.endsWith('0000:00:0a.0')));
    assert.ok(host.notes.some((n) => n.code === 'BAD_NAME' && n.path.endsWith('/evil')));
  });

  it('an attribute linking out of ROOT is refused: noted, config not decoded', () => {
    const f = by('0000:00:02.0');
    assert.ok(f);
    assert.equal(f.fn, null);
    assert.equal(f.removable, null);
    assert.equal(f.notes.filter((n) => n.code === 'ESCAPE').length, 2);
    assert.ok(rep.findings.some((x) => x.device === '0000:00:02.0' && x.id === 'config-unreadable'));
  });

  it('iommu_group and driver links out of ROOT are refused', () => {
    const f = by('0000:00:03.0');
    assert.ok(f);
    assert.equal(f.iommuGroup, null);
    assert.equal(f.driver, null);
    assert.ok(f.notes.some((n) => n.code === 'ESCAPE' && n.path.endsWith('iommu_group')));
    assert.ok(f.notes.some((n) => n.code === 'ESCAPE' && n.path.endsWith('driver')));
  });

  it('the refused file was never read into the report', () => {
    assert.doesNotMatch(JSON.stringify(rep), /must never be read/);
  });
});

describe('odd attribute values', () => {
  const t = makeFakeSysfs({ fns: [{ name: RP, config: full, removable: 'maybe', sriovNumvfs: 2 }] });
  cleanups.push(t.cleanup);
  writeFileSync(join(t.dir(RP), 'vendor'), 'not-hex\n');
  writeFileSync(join(t.dir(RP), 'sriov_numvfs'), 'two\n');
  const f = readSysfs(t.root).functions[0];
  it('are notes; the value is null', () => {
    assert.equal(f.removable, null);
    assert.equal(f.vendor, null);
    assert.equal(f.sriovNumvfs, null);
    assert.equal(f.notes.filter((n) => n.code === 'BAD_VALUE').length, 3);
  });
});

describe('ROOT without sys/', () => {
  const empty = mkdtempSync(join(tmpdir(), 'dmagate-empty-'));
  cleanups.push(() => rmSync(empty, { recursive: true, force: true }));
  it('is an input error naming what was looked for, never a no-iommu finding (issue 8 point 2)', () => {
    assert.throws(() => readSysfs(empty), (e: unknown) => e instanceof SysfsRootError && e instanceof InputError && /sys\/bus\/pci does not exist/.test(e.message));
  });
  it('a sysfs mount given as ROOT is an input error whose hint names the directory holding sys/', () => {
    const t = makeFakeSysfs({ fns: [{ name: RP, config: full }] });
    cleanups.push(t.cleanup);
    assert.throws(
      () => readSysfs(join(t.root, 'sys')),
      (e: unknown) => e instanceof SysfsRootError && e.message.includes('looks like the sysfs mount itself') && e.message.includes(`try --sysfs ${realpathSync(t.root)}`),
    );
  });

  it('a ROOT that does not exist is a clear error', () => {
    assert.throws(() => readSysfs(join(empty, 'nope')), (e: unknown) => e instanceof SysfsRootError && /cannot be opened \(ENOENT\)/.test(e.message));
  });
});

describe('arbitrary config bytes and attribute text', () => {
  it('never make the reader or the audit throw; every function is reported', async () => {
    const fc = (await import('fast-check')).default;
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 4200 }), { minLength: 1, maxLength: 4 }),
        fc.string({ maxLength: 40 }),
        fc.string({ maxLength: 80 }),
        (configs, removable, regions) => {
          const t = makeFakeSysfs({
            iommuUnits: ['dmar0'],
            groups: [{ id: 1, type: removable, reservedRegions: regions }],
            fns: configs.map((c, i) => ({ name: `0000:00:0${i}.0`, config: c, removable: removable.replace(/\n/g, ''), group: 1 })),
          });
          try {
            const rep = auditHost(readSysfs(t.root, { uid: 0 }));
            assert.equal(rep.functions.length, configs.length);
            JSON.stringify(rep);
          } finally {
            t.cleanup();
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});

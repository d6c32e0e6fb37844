// `dmagate lspci` end to end (in-process): sources, selectors, --json, errors, help.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Command } from 'commander';
import { register, runLspci } from '../../src/cli/lspci.js';
import { parseDump } from '../../src/pci/dump.js';
import { Ajv } from 'ajv';
import { compareLspci } from './support/lspci-blocks.js';
import { REPO_ROOT } from './support/shared.js';

const QEMU = join(REPO_ROOT, 'data', 'pci-dumps', 'qemu72-cxl-direct.txt');
const QEMU_REF = join(REPO_ROOT, 'data', 'pci-dumps', 'qemu72-cxl-direct.lspci-vvvn.txt');
const text = (r: { out: (string | Uint8Array)[] }): string => r.out.map((c) => (typeof c === 'string' ? c : Buffer.from(c).toString('latin1'))).join('');
const bdfs = (s: string): string[] => s.split('\n').filter((l) => /^[0-9a-f]/.test(l)).map((l) => l.split(' ')[0]);

test('bundled qemu72 dump: blocks of interest equal lspci 3.9.0 -vvvn', () => {
  const r = runLspci({ file: QEMU, verbose: 3 });
  assert.equal(r.code, 0);
  assert.equal(r.err, '');
  const c = compareLspci(readFileSync(QEMU_REF, 'utf8'), text(r));
  assert.equal(c.compared, 19); // blocks of the FULL_BLOCK_KINDS in the reference file
  assert.deepEqual(c.mismatches, []);
});

test('-s and -d selectors with lspci syntax', () => {
  assert.deepEqual(bdfs(text(runLspci({ file: QEMU, verbose: 0, slot: '0d:' }))), ['0d:00.0']);
  assert.deepEqual(bdfs(text(runLspci({ file: QEMU, verbose: 0, slot: '1f.' }))), ['00:1f.0', '00:1f.2', '00:1f.3']);
  assert.deepEqual(bdfs(text(runLspci({ file: QEMU, verbose: 0, slot: '*:*.3' }))), ['00:1f.3']);
  assert.deepEqual(bdfs(text(runLspci({ file: QEMU, verbose: 0, slot: '0000:0c:00.0' }))), ['0c:00.0']);
  assert.deepEqual(bdfs(text(runLspci({ file: QEMU, verbose: 0, id: '::0502' }))), ['0d:00.0']);
  assert.deepEqual(bdfs(text(runLspci({ file: QEMU, verbose: 0, id: '1234:' }))), ['00:01.0']);
  assert.deepEqual(bdfs(text(runLspci({ file: QEMU, verbose: 0, id: '8086:0d93' }))), ['0d:00.0']);
  const bad = runLspci({ file: QEMU, verbose: 0, slot: '0g:00.0' });
  assert.equal(bad.code, 2);
  assert.match(bad.err, /invalid bus "0g"/);
});

test('--json: decoded functions with bigints as hex strings, issues, VF routing ids', () => {
  const r = runLspci({ file: QEMU, verbose: 0, json: true });
  const doc = JSON.parse(text(r)) as { functions: { bdf: string; dsn?: { serial: string }; dvsecs: { id: number }[]; config: { length: number } }[]; issues: unknown[] };
  assert.equal(doc.functions.length, 8);
  const nic = doc.functions.find((f) => f.bdf === '0000:00:02.0');
  assert.equal(nic?.dsn?.serial, '0x525400ffff123456'); // lspci: Device Serial Number 52-54-00-ff-ff-12-34-56
  assert.equal(nic?.config.length, 4096);
  assert.deepEqual(doc.functions.find((f) => f.bdf === '0000:0d:00.0')?.dvsecs.map((d) => d.id), [0, 8, 5]);
  assert.deepEqual(doc.issues, []);
});

test('missing file, both sources, syntax errors, unsorted and multi-domain dumps', () => {
  const missing = runLspci({ file: '/nonexistent/dump.txt', verbose: 0 });
  assert.equal(missing.code, 2);
  assert.match(missing.err, /cannot read \/nonexistent\/dump.txt: no such file/);
  assert.equal(runLspci({ file: QEMU, sysfs: '/sys', verbose: 0 }).code, 2);
  const dir = mkdtempSync(join(tmpdir(), 'dmagate-lspci-'));
  try {
    const row = (o: string): string => `${o}: ${'00 '.repeat(15)}00`;
    const dev = (addr: string, vid: string): string => `${addr} x\n${vid} 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n${row('10')}\n${row('20')}\n${row('30')}\n\n`;
    const f = join(dir, 'd.txt');
    writeFileSync(f, dev('02:00.0', '00: 86 80 01') + dev('01:00.0', '00: 86 80 02') + '03:00.0 y\n00: zz\n\n');
    const r = runLspci({ file: f, verbose: 0 });
    assert.equal(r.code, 1); // syntax error reported, the rest still decoded
    assert.match(r.err, new RegExp(`^dmagate: ${f}:14:5: malformed line`, 'm'));
    assert.deepEqual(bdfs(text(r)), ['01:00.0', '02:00.0', '03:00.0']); // sorted like lspci
    writeFileSync(f, dev('00:00.0', '00: 86 80 01') + dev('0001:00:00.0', '00: 86 80 02'));
    assert.deepEqual(bdfs(text(runLspci({ file: f, verbose: 0 }))), ['0000:00:00.0', '0001:00:00.0']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--help teaches: sources, selectors and examples', () => {
  const program = new Command().exitOverride();
  let help = '';
  program.configureOutput({ writeOut: (s) => (help += s), writeErr: (s) => (help += s) });
  register(program, () => undefined);
  assert.throws(() => program.parse(['lspci', '--help'], { from: 'user' }));
  assert.match(help, /-F, --file <file>/);
  assert.match(help, /--sysfs <root>/);
  assert.match(help, /Examples:\n/);
  assert.match(help, /dmagate lspci -F machine.txt -vvv/);
  for (const f of ['-n, --numeric', '-i, --ids <file>', '-k, --kernel', '-t, --tree', '-x, --hex', '-D, --domains', '-m, --machine']) assert.ok(help.includes(f), f);
  assert.match(help, /IOMMU group: N/);
});

test('decoded lspci text given as a dump gets a hint (exit 2), not an empty listing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmagate-lspci-'));
  try {
    const f = join(dir, 'vvv.txt');
    // what `lspci -vvv` prints (a device line and decoded lines, no hex rows)
    writeFileSync(f, '00:00.0 Host bridge: Intel Corporation 82G33/G31/P35/P31 Express DRAM Controller\n\tSubsystem: Red Hat, Inc. QEMU Virtual Machine\n\tControl: I/O+ Mem+ BusMaster-\n\tCapabilities: [40] Express Root Port (Slot+), MSI 00\n\n');
    const r = runLspci({ file: f, verbose: 0 });
    assert.equal(r.code, 2);
    assert.equal(text(r), '');
    assert.match(r.err, /looks like decoded lspci output \(lspci -v\/-vvv\), not a hex dump; dmagate needs lspci's hex dump: run `sudo lspci -xxxx > machine.txt`/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('-i FILE that cannot be read: a one-line note and numbers; -nn without a database: numbers and a note', () => {
  const r = runLspci({ file: QEMU, verbose: 0, numeric: 2, ids: '/nonexistent/pci.ids' });
  assert.equal(r.code, 0);
  assert.match(r.err, /^dmagate: lspci: cannot read the PCI ID database \/nonexistent\/pci.ids \(ENOENT\); showing numbers\n$/);
  assert.match(text(r), /^00:00\.0 0600: 8086:29c0\n/);
});

test('-xxxx output reads back through the dump parser to the same bytes (a dump to attach to a bug report)', () => {
  const orig = parseDump(readFileSync(QEMU, 'utf8')).functions;
  for (const level of [1, 3, 4]) {
    const back = parseDump(text(runLspci({ file: QEMU, verbose: 0, hex: level })), 'roundtrip').functions;
    assert.equal(back.length, orig.length);
    back.forEach((f, i) => {
      const want = Math.min(orig[i].config.length, level === 1 ? 64 : level === 3 ? 256 : 4096);
      assert.equal(f.config.length, want);
      assert.deepEqual(Array.from(f.config.bytes.subarray(0, want)), Array.from(orig[i].config.bytes.subarray(0, want)));
    });
  }
});

test('--json validates against docs/lspci.schema.json (project-wide keys: bdf, vendor, device, class)', () => {
  const schema = JSON.parse(readFileSync(join(REPO_ROOT, 'docs', 'lspci.schema.json'), 'utf8'));
  const validate = new Ajv({ strict: false }).compile(schema);
  const raw: unknown = JSON.parse(text(runLspci({ file: QEMU, verbose: 0, json: true })));
  assert.ok(validate(raw), JSON.stringify(validate.errors));
  const doc = raw as { functions: { bdf: string; vendor: string; device: string; class: string }[] };
  const cxl = doc.functions.find((f) => f.bdf === '0000:0d:00.0')!;
  assert.deepEqual([cxl.vendor, cxl.device, cxl.class], ['8086', '0d93', '050210']);
  assert.equal('driver' in cxl, false); // only from sysfs
});

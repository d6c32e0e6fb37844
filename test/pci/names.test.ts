// The pci.ids reader (lib/names-parse.c grammar) and pciutils 3.9.0's name formatting
// (lib/names.c format_name / format_name_pair / id_lookup_subsys). Golden outcomes: the
// reference decodes NAME.lspci-vvv.txt, which lspci 3.9.0 made with Debian pci.ids 2023.04.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { loadPciIds, parsePciIds, PciNames } from '../../src/pci/names/pci-ids.js';
import { decodeFunction } from '../../src/pci/decode.js';
import { parseDump } from '../../src/pci/dump.js';
import { printFunction } from '../../src/pci/print/lspci.js';
import { compareLspci, outsideCaps } from './support/lspci-blocks.js';
import { DUMPS_DIR, SKIP_MSG, dumpNames } from './support/shared.js';

const IDS = [
  '# comment',
  '#\tVersion: 2099.01.01',
  '8086  Intel Corporation',
  '\t1234  Widget',
  '\t\t1af4 1100  Widget (QEMU)',
  '\t\t8086 0000  Widget reference board',
  '1af4  Red Hat, Inc.',
  '1e98  Compute Express Link',
  'zz12  broken vendor line',
  'C 06  Bridge',
  '\t00  Host bridge',
  '\t04  PCI bridge',
  '\t\t00  Normal decode',
  'C 0c  Serial bus controller',
  'S 1af4',
  '\t1234  Generic Red Hat subsystem',
  'X 12  a reserved block',
  '\tabcd  ignored',
  '8086  Duplicate Intel',
  '',
].join('\n');

test('pci.ids grammar: vendors, devices, subsystems, classes, prog-ifs, generic subsystems; bad lines with FILE:LINE', () => {
  const db = parsePciIds(IDS, 'test.ids');
  assert.equal(db.version, '2099.01.01');
  assert.equal(db.get(1, 0x8086), 'Intel Corporation'); // duplicate: the first one kept
  assert.equal(db.get(2, 0x8086, 0x1234), 'Widget');
  assert.equal(db.get(3, 0x8086, 0x1234, 0x1af4, 0x1100), 'Widget (QEMU)');
  assert.equal(db.get(4, 0x1af4, 0x1234), 'Generic Red Hat subsystem');
  assert.equal(db.get(6, 0x06, 0x04), 'PCI bridge');
  assert.equal(db.get(7, 0x06, 0x04, 0x00), 'Normal decode');
  assert.deepEqual(db.warnings, ['test.ids:9: parse error (vendor line)', 'test.ids:19: Duplicate entry (the first one is used)']);
});

test('name formatting as lspci: names, -n numbers, -nn both; unknown vendor/device/class fallbacks', () => {
  const db = parsePciIds(IDS, 'test.ids');
  const names = new PciNames(db, 'names');
  const both = new PciNames(db, 'both');
  const num = new PciNames(db, 'numeric');
  assert.equal(names.vendorDevice(0x8086, 0x1234), 'Intel Corporation Widget');
  assert.equal(both.vendorDevice(0x8086, 0x1234), 'Intel Corporation Widget [8086:1234]');
  assert.equal(num.vendorDevice(0x8086, 0x1234), '8086:1234');
  assert.equal(names.vendorDevice(0x8086, 0x9999), 'Intel Corporation Device 9999');
  assert.equal(both.vendorDevice(0x8086, 0x9999), 'Intel Corporation Device [8086:9999]');
  assert.equal(names.vendorDevice(0x1234, 0x1111), 'Device 1234:1111');
  assert.equal(both.vendorDevice(0x1234, 0x1111), 'Device [1234:1111]');
  assert.equal(names.className(0x0604), 'PCI bridge');
  assert.equal(both.className(0x0604), 'PCI bridge [0604]');
  assert.equal(names.className(0x0680), 'Bridge [0680]'); // base class only: the number is added
  assert.equal(names.className(0xff00), 'Class ff00');
  assert.equal(names.vendor(0x1234), 'Vendor 1234');
  assert.equal(names.device(0x1234, 0x1111), 'Device 1111');
  // subsystem: per device, then generic, then "subsystem == device"
  assert.equal(names.subsystem(0x8086, 0x1234, 0x1af4, 0x1100), 'Red Hat, Inc. Widget (QEMU)');
  assert.equal(names.subsystem(0x8086, 0x5555, 0x1af4, 0x1234), 'Red Hat, Inc. Generic Red Hat subsystem');
  assert.equal(names.subsystem(0x8086, 0x1234, 0x8086, 0x1234), 'Intel Corporation Widget');
  assert.equal(names.subsystem(0x8086, 0x1234, 0x1af4, 0x7777), 'Red Hat, Inc. Device 7777');
  assert.equal(names.subDevice(0x8086, 0x1234, 0x8086, 0x0000), 'Widget reference board');
  assert.equal(names.subVendor(0x4444), 'Unknown vendor 4444');
  // prog-if names are looked up even with -n; IDE controllers get lspci's generated text
  assert.equal(num.progIf(0x0604, 0), 'Normal decode');
  assert.equal(num.progIf(0x0101, 0x8a), 'Master SecP PriP');
  assert.equal(num.progIf(0x0c03, 0x30), null);
  // a hostile name is escaped; UTF-8 bytes (read as Latin-1) pass through to the output unchanged
  assert.equal(new PciNames(parsePciIds('8086  evil\u001b[2J\u00c3\u00b6\n', 'e'), 'names').vendor(0x8086), 'evil\\e[2J\u00c3\u00b6');
  // buffers of lspci's size: "..." marks the cut
  assert.equal(new PciNames(parsePciIds('8086  ' + 'x'.repeat(300) + '\n\t0001  y\n', 'l'), 'names').vendorDevice(0x8086, 1).length, 127);
});

test('a gzip-compressed pci.ids (pci.ids.gz) is read as well', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dmagate-ids-'));
  try {
    writeFileSync(join(dir, 'pci.ids.gz'), gzipSync(IDS));
    assert.equal(loadPciIds(join(dir, 'pci.ids.gz')).get(2, 0x8086, 0x1234), 'Widget');
    assert.throws(() => loadPciIds(dir), /not a regular file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const SYSTEM_IDS = '/usr/share/misc/pci.ids';

test('names at -vvv equal the reference decodes (lspci 3.9.0 with pci.ids 2023.04): the whole text, device lines, header lines, blocks', (t) => {
  const dumps = dumpNames();
  if (!dumps) return t.skip(SKIP_MSG);
  if (!existsSync(SYSTEM_IDS)) return t.skip(`no ${SYSTEM_IDS} (Debian package pci.ids)`);
  const db = loadPciIds(SYSTEM_IDS);
  if (!db.version?.startsWith('2023.04')) return t.skip(`pci.ids ${db.version} is not the reference's 2023.04.x (names differ)`);
  const names = new PciNames(db, 'names');
  let lines = 0;
  let blocks = 0;
  const failures: string[] = [];
  for (const name of dumps) {
    const ref = readFileSync(join(DUMPS_DIR, `${name}.lspci-vvv.txt`), 'utf8');
    const fns = parseDump(readFileSync(join(DUMPS_DIR, `${name}.txt`), 'utf8'), name).functions.map((f) => decodeFunction(f.bdf, f.config));
    const showDomain = fns.some((f) => f.bdf.domain !== 0);
    const ours = fns.map((f) => printFunction(f, { verbose: 3, showDomain, names })).join('');
    const want = outsideCaps(ref);
    const got = outsideCaps(ours);
    lines += want.length;
    const k = want.findIndex((l, j) => l !== got[j]);
    if (k >= 0 || want.length !== got.length) failures.push(`${name} line ${k}: ${JSON.stringify(want[k])} != ${JSON.stringify(got[k])}`);
    if (ours !== ref) failures.push(`${name}: the whole -vvv text differs`);
    const c = compareLspci(ref, ours);
    blocks += c.compared;
    for (const m of c.mismatches) failures.push(`${name} ${m.device} [${m.offset}]\n${m.expected}\n!=\n${m.actual}`);
  }
  t.diagnostic(`${lines} lines outside capabilities and ${blocks} blocks compared with names`);
  assert.ok(blocks > 400);
  assert.deepEqual(failures.slice(0, 5), []);
});

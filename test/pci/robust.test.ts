// (d) Decoders never throw and always terminate on hostile bytes: fast-check over random
// bytes and mutated real dumps, plus hand-made loops, header pointers, misalignment, truncation.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { buildConfigSpace } from '../../src/pci/builder.js';
import { decodeFunction } from '../../src/pci/decode.js';
import { parseDump } from '../../src/pci/dump.js';
import { printFunction } from '../../src/pci/print/lspci.js';
import { machineText } from '../../src/pci/print/machine.js';
import { vpdBody } from '../../src/pci/print/vpd.js';
import { treeText } from '../../src/pci/print/tree.js';
import { parsePciIds, PciNames } from '../../src/pci/names/pci-ids.js';
import type { ConfigSpace, PciFunction } from '../../src/pci/types.js';
import { DUMPS_DIR, dumpNames } from './support/shared.js';

const BDF = { domain: 0, bus: 1, dev: 0, fn: 0 };

function checkWellFormed(f: PciFunction): void {
  for (const i of f.issues) {
    assert.equal(typeof i.offset, 'number');
    assert.ok(Number.isInteger(i.offset) && i.offset >= 0 && i.offset <= 4096, `offset ${i.offset}`);
    assert.ok(typeof i.cap === 'string' && i.cap.length > 0);
    assert.ok(i.message.length > 0);
  }
  assert.ok(f.caps.filter((c) => !c.extended).length <= 48);
  assert.ok(f.caps.filter((c) => c.extended).length <= 480);
  for (const v of [1, 2, 3]) printFunction(f, { verbose: v, showDomain: true });
}

/** A PCIe endpoint with an extended list, as a base for mutations. */
function base(): Uint8Array {
  return buildConfigSpace({ msi: true, msix: true, ats: true, pasid: true, pri: true, sriov: { totalVfs: 4 }, acs: true, dsn: { serial: 1 }, ari: true, cxl: { mem: true } }).bytes.slice();
}

const lengthArb = fc.constantFrom(0, 1, 63, 64, 65, 128, 255, 256, 257, 1000, 4095, 4096);

test('random bytes at any length: no exception, bounded walks, issues carry offset and cap', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 4096, maxLength: 4096 }), lengthArb, (bytes, length) => {
      // force a capability list and a PCIe cap so the extended walk runs on random data
      bytes[6] |= 0x10;
      checkWellFormed(decodeFunction(BDF, { bytes, length }));
      bytes[0x34] = 0x40;
      bytes[0x40] = 0x10;
      checkWellFormed(decodeFunction(BDF, { bytes, length }));
    }),
    { numRuns: 150 },
  );
});

test('mutated real dumps and synthetic devices: no exception, bounded walks', (t) => {
  const names = dumpNames();
  const pool: Uint8Array[] = [base()];
  if (names) {
    for (const n of names) for (const f of parseDump(readFileSync(join(DUMPS_DIR, `${n}.txt`), 'utf8')).functions) if (f.config.length === 4096) pool.push(f.config.bytes);
  } else t.diagnostic('shared dumps absent: mutating synthetic devices only');
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: pool.length - 1 }),
      fc.array(fc.tuple(fc.integer({ min: 0, max: 4095 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 40 }),
      lengthArb,
      (k, muts, length) => {
        const bytes = pool[k].slice();
        for (const [o, v] of muts) bytes[o] = v;
        checkWellFormed(decodeFunction(BDF, { bytes, length: Math.min(length, bytes.length) }));
      },
    ),
    { numRuns: 300 },
  );
});

/** Hand-made standard list: caps [[offset, id, next]...] from pointer `ptr`. */
function stdList(ptr: number, entries: [number, number, number][]): ConfigSpace {
  const b = new Uint8Array(4096);
  b[0] = 0x34; b[1] = 0x12; b[6] = 0x10; b[0x34] = ptr;
  for (const [o, id, next] of entries) {
    b[o] = id;
    b[o + 1] = next;
  }
  return { bytes: b, length: 4096 };
}

test('standard list loop: LOOP at the revisited offset, lspci prints <chain looped>', () => {
  const f = decodeFunction(BDF, stdList(0x40, [[0x40, 0x01, 0x50], [0x50, 0x05, 0x40]]));
  assert.deepEqual(f.caps.map((c) => c.offset), [0x40, 0x50]);
  assert.equal(f.walk?.stdEnd, 'looped');
  assert.deepEqual(f.issues.map((i) => [i.code, i.offset, i.cap]), [['LOOP', 0x40, 'MSI']]);
  assert.match(printFunction(f, { verbose: 2, showDomain: false }), /\tCapabilities: \[40\] <chain looped>\n/);
});

test('self-loop, pointer into the header, misaligned pointer, id 0xff', () => {
  const self = decodeFunction(BDF, stdList(0x40, [[0x40, 0x01, 0x40]]));
  assert.deepEqual(self.issues.map((i) => i.code), ['LOOP']);
  const hdr = decodeFunction(BDF, stdList(0x40, [[0x40, 0x01, 0x20]]));
  assert.equal(hdr.walk?.stdEnd, 'bad-pointer');
  assert.deepEqual(hdr.issues.map((i) => [i.code, i.offset, i.cap]), [['BAD_POINTER', 0x41, 'cap 0x01']]);
  const mis = decodeFunction(BDF, stdList(0x41, [[0x40, 0x05, 0x53], [0x50, 0x11, 0]]));
  assert.deepEqual(mis.caps.map((c) => c.offset), [0x40, 0x50]); // low two bits masked, as lspci and the kernel
  assert.deepEqual(mis.issues.map((i) => [i.code, i.offset]), [['BAD_POINTER', 0x34], ['BAD_POINTER', 0x41]]);
  const ff = decodeFunction(BDF, stdList(0x40, [[0x40, 0xff, 0x50]]));
  assert.equal(ff.walk?.stdEnd, 'broken');
  assert.deepEqual(ff.issues.map((i) => [i.code, i.offset]), [['BROKEN_CHAIN', 0x40]]);
  assert.match(printFunction(ff, { verbose: 2, showDomain: false }), /\tCapabilities: \[40\] <chain broken>\n/);
});

/** PCIe device with hand-made extended headers [[offset, id, next]...]. */
function extList(entries: [number, number, number][]): ConfigSpace {
  const cs = stdList(0x40, [[0x40, 0x10, 0]]);
  const b = cs.bytes as Uint8Array;
  b[0x42] = 0x02; // PCIe v2 endpoint
  for (const [o, id, next] of entries) {
    const h = (id | (1 << 16) | (next << 20)) >>> 0;
    b[o] = h & 0xff; b[o + 1] = (h >>> 8) & 0xff; b[o + 2] = (h >>> 16) & 0xff; b[o + 3] = h >>> 24;
  }
  return cs;
}

test('extended list loop, pointer below 0x100, all-ones header', () => {
  const loop = decodeFunction(BDF, extList([[0x100, 0x0f, 0x110], [0x110, 0x1b, 0x100]]));
  assert.deepEqual(loop.caps.filter((c) => c.extended).map((c) => c.offset), [0x100, 0x110]);
  assert.deepEqual(loop.issues.map((i) => [i.code, i.offset, i.cap]), [['LOOP', 0x100, 'PASID']]);
  assert.match(printFunction(loop, { verbose: 2, showDomain: false }), /\tCapabilities: \[100 v1\] <chain looped>\n$/m);
  const low = decodeFunction(BDF, extList([[0x100, 0x0f, 0x40]]));
  assert.deepEqual(low.issues.map((i) => [i.code, i.cap]), [['BAD_POINTER', 'ATS']]);
  const cs = extList([[0x100, 0x0f, 0x200]]);
  (cs.bytes as Uint8Array).fill(0xff, 0x200, 0x204);
  const ones = decodeFunction(BDF, cs);
  assert.deepEqual(ones.issues.map((i) => [i.code, i.offset]), [['BROKEN_CHAIN', 0x200]]);
});

test('truncation at 64 and 256 bytes, and inside a capability body', () => {
  const full = base();
  const at64 = decodeFunction(BDF, { bytes: full, length: 64 });
  assert.equal(at64.walk?.stdEnd, 'denied');
  assert.ok(at64.issues.some((i) => i.code === 'TRUNCATED' && i.offset === 0x40));
  assert.match(printFunction(at64, { verbose: 2, showDomain: false }), /\tCapabilities: <access denied>\n/);
  const at256 = decodeFunction(BDF, { bytes: full, length: 256 });
  assert.equal(at256.caps.some((c) => c.extended), false);
  assert.deepEqual(at256.issues, []);
  // the SR-IOV body is cut off: a TRUNCATED issue names it, the walk goes on to the rest
  const built = decodeFunction(BDF, { bytes: full, length: 4096 });
  const sr = built.sriov!.offset;
  const cut = decodeFunction(BDF, { bytes: full, length: sr + 0x20 });
  assert.equal(cut.sriov, undefined);
  assert.ok(cut.issues.some((i) => i.code === 'TRUNCATED' && i.cap === 'SR-IOV' && i.offset === sr + 4));
  const at40 = decodeFunction(BDF, { bytes: full, length: 40 });
  assert.equal(at40.header, null);
  assert.deepEqual(at40.issues.map((i) => [i.code, i.cap]), [['TRUNCATED', 'header']]);
});

test('dump reader never throws on arbitrary text and keeps issues positioned', () => {
  const lineArb = fc.oneof(
    fc.string({ maxLength: 80 }),
    fc.constantFrom('00:00.0 X', '0000:01:02.3 Y', '', '\t\tdecoded', '00: 86 80', '10: zz', 'fff: 00', '1000: 00'),
    fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 18 }).map((a) => `${(a.length * 16).toString(16).padStart(2, '0')}: ${a.map((x) => x.toString(16).padStart(2, '0')).join(' ')}`),
  );
  fc.assert(
    fc.property(fc.array(lineArb, { maxLength: 40 }), (lines) => {
      const r = parseDump(lines.join('\n'), 'fuzz');
      for (const i of r.issues) assert.match(i.where ?? '', /^fuzz:\d+:\d+$/);
      for (const f of r.functions) {
        assert.ok(f.config.length <= 4096);
        checkWellFormed(decodeFunction(f.bdf, f.config));
      }
    }),
    { numRuns: 200 },
  );
});

test('fuzz: names, -k, -x…, -m…, -t printers never throw on arbitrary bytes and lengths', () => {
  const names = new PciNames(parsePciIds('8086  Intel\n\t1234  W\nC 06  Bridge\n\t04  PCI bridge\n', 'f'), 'both');
  const host = { driver: 'd\u001b', iommuGroup: 3, irq: 11, numaNode: 0, resources: [{ start: 0xfe000000n, end: 0xfe003fffn, flags: 0x40200n }] };
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 4096, maxLength: 4096 }), lengthArb, fc.integer({ min: 0, max: 255 }), (bytes, length, devfn) => {
      const bdf = { domain: 0, bus: 1, dev: devfn >> 3, fn: devfn & 7 };
      const f = decodeFunction(bdf, { bytes, length });
      for (const v of [0, 1, 2, 3]) printFunction(f, { verbose: v, showDomain: false, names, kernel: true, hex: 4, host });
      machineText(f, { level: 2, verbose: 1, domains: true, names, kernel: true, host });
      machineText(f, { level: 2, verbose: 0, domains: false, names });
      treeText([treeNodeOf(f)], 1, names, true);
    }),
    { numRuns: 150 },
  );
});

test('fuzz: the pci.ids parser takes any text without throwing', () => {
  fc.assert(
    fc.property(fc.array(fc.string({ unit: fc.constantFrom('\t', ' ', 'C', 'S', 'X', '8', '0', 'a', 'f', 'z', '#') }), { maxLength: 30 }), (lines) => {
      const db = parsePciIds(lines.join('\n'), 'fuzz.ids');
      new PciNames(db, 'names').vendorDevice(0x8080, 0x0808);
    }),
    { numRuns: 300 },
  );
});

function treeNodeOf(f: ReturnType<typeof decodeFunction>): Parameters<typeof treeText>[0][number] {
  const b = f.config.bytes;
  return { bdf: f.bdf, vendor: b[0] | (b[1] << 8), device: b[2] | (b[3] << 8), cls: b[10] | (b[11] << 8), headerType: b[14] & 0x7f, primary: b[0x18], secondary: b[0x19], subordinate: b[0x1a], match: true };
}

test('fuzz: the VPD decoder takes any bytes (and any length up to 32 KiB) without throwing or escaping raw controls', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), (b) => {
      const s = vpdBody(b);
      assert.ok(/(End|Not readable|No end tag found)\n$/.test(s));
      // eslint-disable-next-line no-control-regex
      assert.ok(!/[\u0001-\u0008\u000b-\u001f\u007f-\u009f]/.test(s), 'device bytes reach the terminal escaped');
    }),
    { numRuns: 500 },
  );
});

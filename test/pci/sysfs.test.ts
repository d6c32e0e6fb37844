// (c) A real sysfs `config` binary decodes like its lspci dump; short (non-root) reads.
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { decodeFunction } from '../../src/pci/decode.js';
import { parseDump } from '../../src/pci/dump.js';
import { configFromBytes, readSysfsConfig, readSysfsTree } from '../../src/pci/sysfs-config.js';
import { DUMPS_DIR, SKIP_MSG, dumpNames } from './support/shared.js';

const strip = <T extends { config: unknown }>(f: T): Omit<T, 'config'> => {
  const { config: _c, ...rest } = f;
  return rest;
};

test('pcics-8086-2030-sysfs.config decodes like pcics-8086-2030-sysfs.txt', (t) => {
  if (!dumpNames()) return t.skip(SKIP_MSG);
  const bin = readSysfsConfig(join(DUMPS_DIR, 'pcics-8086-2030-sysfs.config'));
  const dump = parseDump(readFileSync(join(DUMPS_DIR, 'pcics-8086-2030-sysfs.txt'), 'utf8')).functions[0];
  assert.equal(bin.short, false);
  assert.equal(bin.config.length, dump.config.length);
  assert.deepEqual(Array.from(bin.config.bytes.subarray(0, bin.config.length)), Array.from(dump.config.bytes.subarray(0, dump.config.length)));
  const a = decodeFunction(dump.bdf, bin.config);
  const b = decodeFunction(dump.bdf, dump.config);
  assert.deepEqual(strip(a), strip(b));
  // Per the collection's README this is an Intel 8086:2030 Sky Lake-E root port with ACS.
  assert.equal(a.header?.vendorId, 0x8086);
  assert.equal(a.header?.deviceId, 0x2030);
  assert.equal(a.pcie?.type, 'root-port');
  assert.ok(a.acs, 'ACS decoded');
});

test('a 64-byte non-root read: header decoded, capabilities unavailable, never guessed', (t) => {
  if (!dumpNames()) return t.skip(SKIP_MSG);
  const data = readFileSync(join(DUMPS_DIR, 'pcics-8086-2030-sysfs.config'));
  const r = configFromBytes(new Uint8Array(data.subarray(0, 64)), 4096);
  assert.equal(r.short, true);
  assert.equal(r.config.length, 64);
  assert.equal(r.issues[0].code, 'TRUNCATED');
  const f = decodeFunction({ domain: 0, bus: 0, dev: 0, fn: 0 }, r.config);
  assert.equal(f.header?.deviceId, 0x2030);
  assert.equal(f.pcie, undefined);
  assert.equal(f.walk?.stdEnd, 'denied'); // lspci: "Capabilities: <access denied>"
  assert.ok(f.issues.some((i) => i.code === 'TRUNCATED' && i.offset >= 0x40));
});

test('readSysfsTree reads ROOT/bus/pci/devices/*/config sorted by BDF', () => {
  const root = mkdtempSync(join(tmpdir(), 'dmagate-sysfs-'));
  try {
    for (const [name, dev] of [['0000:00:02.0', 0x2222], ['0000:00:01.0', 0x1111]] as const) {
      mkdirSync(join(root, 'bus/pci/devices', name), { recursive: true });
      const b = new Uint8Array(256);
      b[0] = 0x86; b[1] = 0x80; b[2] = dev & 0xff; b[3] = dev >> 8;
      writeFileSync(join(root, 'bus/pci/devices', name, 'config'), b);
    }
    const t = readSysfsTree(root);
    assert.deepEqual(t.errors, []);
    assert.deepEqual(t.functions.map((f) => [f.bdf.dev, f.read.config.length]), [[1, 256], [2, 256]]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

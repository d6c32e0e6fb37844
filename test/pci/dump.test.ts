// lspci hex-dump reader: format per pci-config-space.md §1.2 / pciutils lib/dump.c.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDump } from '../../src/pci/dump.js';

const row = (off: string, bytes: number[]): string => `${off}: ${bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ')}`;
const zeros = (n: number): number[] => new Array<number>(n).fill(0);

test('several devices, optional domain, description kept, length = highest offset + 1', () => {
  const text = [
    '00:1f.3 SMBus: something',
    row('00', [0x86, 0x80, 0x30, 0x29, ...zeros(12)]),
    row('10', zeros(16)),
    '',
    '0001:02:03.4 Other',
    row('00', [0x34, 0x12, ...zeros(14)]),
    row('f0', zeros(16)),
    '',
  ].join('\n');
  const r = parseDump(text, 'x.txt');
  assert.deepEqual(r.issues, []);
  assert.equal(r.functions.length, 2);
  const [a, b] = r.functions;
  assert.deepEqual(a.bdf, { domain: 0, bus: 0, dev: 0x1f, fn: 3 });
  assert.equal(a.description, 'SMBus: something');
  assert.equal(a.config.length, 0x20);
  assert.equal(a.config.bytes[0], 0x86);
  assert.deepEqual(b.bdf, { domain: 1, bus: 2, dev: 3, fn: 4 });
  assert.equal(b.config.length, 0x100);
  // bytes never mentioned (0x10-0xef) read as 0xff, like lib/dump.c
  assert.equal(b.config.bytes[0x20], 0xff);
});

test('decoded -v text, tabs and CR are ignored; blank line ends a device', () => {
  const text = '00:00.0 Host\r\n\tFlags: fast devsel\r\n' + row('00', zeros(16)) + '\r\n\r\n' + row('10', zeros(16)) + '\n';
  const r = parseDump(text);
  assert.deepEqual(r.issues, []);
  assert.equal(r.functions.length, 1);
  assert.equal(r.functions[0].config.length, 16); // the row after the blank line belongs to no device
});

test('malformed data line is a PARSE issue with file:line:col, other devices survive', () => {
  const text = ['00:00.0 A', row('00', zeros(16)), '10: 00 01 zz 03', '', '00:01.0 B', row('00', [1, 2, ...zeros(14)]), ''].join('\n');
  const r = parseDump(text, 'bad.txt');
  assert.equal(r.functions.length, 2);
  assert.equal(r.issues.length, 1);
  assert.equal(r.issues[0].code, 'PARSE');
  assert.equal(r.issues[0].where, 'bad.txt:3:11');
  assert.equal(r.functions[0].config.length, 0x12); // the two good bytes of line 3 were taken
  assert.equal(r.functions[1].config.bytes[1], 2);
});

test('offsets at or beyond 4096 and overlong lines are PARSE issues', () => {
  const text = ['00:00.0 A', row('ff0', zeros(16)), row('1000', [1]), 'x'.repeat(300), ''].join('\n');
  const r = parseDump(text, 'f');
  assert.deepEqual(
    r.issues.map((i) => [i.code, i.where]),
    [
      ['PARSE', 'f:3:7'],
      ['PARSE', 'f:4:255'],
    ],
  );
  assert.equal(r.functions[0].config.length, 4096);
});

test('a 64-byte (-x) dump has length 64', () => {
  const text = ['00:02.0 VGA', row('00', zeros(16)), row('10', zeros(16)), row('20', zeros(16)), row('30', zeros(16))].join('\n');
  const r = parseDump(text);
  assert.equal(r.functions[0].config.length, 64);
});

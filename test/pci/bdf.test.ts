// The one BDF text grammar (src/pci/bdf.ts): PCI has 32 devices per bus and 8 functions per
// device; sysfs names functions "DDDD:BB:DD.F" (5 domain digits for VMD's 10000+ domains);
// lspci prints "BB:DD.F" and adds the domain only when it is not 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BDF_PATTERN, formatBdf, parseBdf, sameBdf } from '../../src/pci/bdf.js';

test('parseBdf: PCI limits and optional domain', () => {
  assert.deepEqual(parseBdf('00:01.0'), { domain: 0, bus: 0, dev: 1, fn: 0 });
  assert.deepEqual(parseBdf('0000:ff:1f.7'), { domain: 0, bus: 0xff, dev: 0x1f, fn: 7 });
  assert.deepEqual(parseBdf('10000:e1:00.0'), { domain: 0x10000, bus: 0xe1, dev: 0, fn: 0 });
  assert.deepEqual(parseBdf('0A:1F.3'), { domain: 0, bus: 10, dev: 31, fn: 3 });
  for (const bad of ['00:20.0', '00:01.8', '000:00:01.0', '0:01.0', '00:01', '', ' 00:01.0', '00:01.0 ']) {
    assert.equal(parseBdf(bad), null, bad);
  }
});

test('parseBdf requireDomain: sysfs directory names', () => {
  assert.equal(parseBdf('00:01.0', { requireDomain: true }), null);
  assert.deepEqual(parseBdf('0000:00:01.0', { requireDomain: true }), { domain: 0, bus: 0, dev: 1, fn: 0 });
  assert.equal(parseBdf('pci0000:00', { requireDomain: true }), null);
});

test('formatBdf prints as lspci does and round-trips through parseBdf', () => {
  assert.equal(formatBdf({ domain: 0, bus: 2, dev: 0x10, fn: 1 }), '02:10.1');
  assert.equal(formatBdf({ domain: 0, bus: 2, dev: 0x10, fn: 1 }, true), '0000:02:10.1');
  assert.equal(formatBdf({ domain: 2, bus: 1, dev: 0, fn: 1 }), '0002:01:00.1');
  const b = { domain: 0x10000, bus: 0xe1, dev: 3, fn: 5 };
  assert.ok(sameBdf(parseBdf(formatBdf(b))!, b));
});

test('BDF_PATTERN (the scenario schema) accepts exactly what parseBdf accepts', () => {
  const re = new RegExp(BDF_PATTERN);
  for (const t of ['00:01.0', '0000:00:1f.7', '10000:00:00.0', '00:20.0', '0000:00:01.8', 'x']) {
    assert.equal(re.test(t), parseBdf(t) !== null, t);
  }
});

// parseReservedRegions: the kernel's format (drivers/iommu/iommu.c: iommu_group_show_resv_regions,
// "0x%016llx 0x%016llx %s\n" with end = start + length - 1) round-trips, and no input throws.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseReservedRegions } from '../../src/platform/sysfs-attrs.js';
import type { SysfsNote } from '../../src/platform/sysfs-fs.js';
import type { ReservedRegionType } from '../../src/kernel/platform.js';

const TYPES: ReservedRegionType[] = ['direct', 'direct-relaxable', 'reserved', 'msi', 'sw-msi'];
const hex16 = (v: bigint): string => '0x' + v.toString(16).padStart(16, '0');

describe('reserved_regions parser', () => {
  it('round-trips what the kernel prints', () => {
    const region = fc.record({
      type: fc.constantFrom(...TYPES),
      base: fc.bigInt({ min: 0n, max: (1n << 64n) - 2n }),
      len: fc.bigInt({ min: 1n, max: 1n << 40n }),
    }).filter((r) => r.base + r.len - 1n < 1n << 64n);
    fc.assert(
      fc.property(fc.array(region, { maxLength: 8 }), (rs) => {
        const text = rs.map((r) => `${hex16(r.base)} ${hex16(r.base + r.len - 1n)} ${r.type}\n`).join('');
        const notes: SysfsNote[] = [];
        const got = parseReservedRegions(text, 'rr', notes);
        assert.deepEqual(notes, []);
        assert.deepEqual(got, rs.map((r) => ({ type: r.type, base: r.base, size: r.len })));
      }),
      { numRuns: 200 },
    );
  });

  it('never throws; every unparsable non-blank line is one note', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        const notes: SysfsNote[] = [];
        const got = parseReservedRegions(text, 'rr', notes);
        const lines = text.split('\n').filter((l) => l.trim() !== '').length;
        assert.equal(got.length + notes.length, lines);
      }),
      { numRuns: 300 },
    );
  });

  it('rejects unknown types and reversed ranges', () => {
    const notes: SysfsNote[] = [];
    assert.deepEqual(parseReservedRegions('0x10 0x1f bogus\n0x20 0x10 msi\n', 'rr', notes), []);
    assert.equal(notes.length, 2);
    assert.ok(notes.every((n) => n.code === 'BAD_VALUE'));
  });
});

// The bounded reader (src/util/read-input.ts), capped issue lists and range-form JSON: unit
// level. The same cases end to end, as processes under a kill timeout and a heap limit, are in
// corpus.test.ts.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { MAX_PARSE_ISSUES, parseDump, parseDumpFile } from '../../src/pci/dump.js';
import { sriovVfRidRange, sriovVfRoutingIds } from '../../src/pci/caps/sriov.js';
import { InputFileError, readInputBytes } from '../../src/util/read-input.js';
import { InputError } from '../../src/util/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'dmagate-bounded-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('readInputBytes', () => {
  it('reads a regular file', () => {
    const p = join(dir, 'a.txt');
    writeFileSync(p, 'hello\n');
    assert.equal(readInputBytes(p).bytes.toString(), 'hello\n');
    assert.equal(readInputBytes(p).kind, 'file');
  });
  it('refuses character devices and directories by what they are, as an InputError', () => {
    assert.throws(() => readInputBytes('/dev/zero'), (e: unknown) => e instanceof InputFileError && e instanceof InputError && /character device/.test(e.message));
    assert.throws(() => readInputBytes(dir), /is a directory/);
    assert.throws(() => readInputBytes(join(dir, 'missing')), /no such file/);
  });
  it('refuses a file over the cap, before reading it', () => {
    const p = join(dir, 'big.txt');
    writeFileSync(p, 'x'.repeat(5000));
    assert.throws(() => readInputBytes(p, { maxBytes: 4096, what: 'scenario' }), /5000 bytes is more than the 4096 bytes a scenario may hold/);
  });
  it('stops at a line longer than maxLine', () => {
    const p = join(dir, 'long.txt');
    writeFileSync(p, 'ok\n' + 'y'.repeat(3000));
    assert.throws(() => readInputBytes(p, { maxLine: 1024 }), /line 2 is longer than 1024 bytes \(line too long or unterminated\)/);
  });
});

describe('dump PARSE issues are capped', () => {
  it(`keeps the first ${MAX_PARSE_ISSUES} and counts the rest in one "… and N more" issue`, () => {
    const bad = 5000;
    const text = '00:00.0 x\n' + '00: zz\n'.repeat(bad);
    const r = parseDump(text, 'bad.txt');
    assert.equal(r.issues.length, MAX_PARSE_ISSUES + 1);
    assert.equal(r.issues[MAX_PARSE_ISSUES].message, `… and ${bad - MAX_PARSE_ISSUES} more syntax errors (only the first ${MAX_PARSE_ISSUES} are listed)`);
    assert.equal(r.functions.length, 1, 'the function is still read');
  });
  it('the same from a file and from a pipe source', () => {
    const p = join(dir, 'bad.txt');
    writeFileSync(p, '00:00.0 x\n' + '00: zz\n'.repeat(300));
    const a = parseDumpFile(p);
    const b = parseDumpFile({ bytes: readInputBytes(p).bytes, name: p });
    assert.deepEqual(a.issues, b.issues);
    assert.equal(a.issues.length, MAX_PARSE_ISSUES + 1);
  });
  it('a line over 1 MiB stops the file with an InputError (lspci: "line too long or unterminated")', () => {
    const p = join(dir, 'noeol.txt');
    writeFileSync(p, '00:00.0 x\n' + 'a'.repeat(1 << 21));
    assert.throws(() => parseDumpFile(p), /line 2 is longer than 1 MiB \(line too long or unterminated\)/);
  });
});

describe('VF routing IDs as a range', () => {
  it('agrees with the per-VF enumeration (first, last, highest bus, issues)', () => {
    fc.assert(
      fc.property(
        fc.record({ bus: fc.integer({ min: 0, max: 255 }), dev: fc.integer({ min: 0, max: 31 }), fn: fc.integer({ min: 0, max: 7 }) }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0, max: 400 }),
        (pf, firstVfOffset, vfStride, numVfs) => {
          const bdf = { domain: 0, ...pf };
          const s = { offset: 0x160, firstVfOffset, vfStride, numVfs };
          const all = sriovVfRoutingIds(bdf, s);
          const r = sriovVfRidRange(bdf, s);
          assert.equal(r.count, all.vfs.length);
          if (numVfs > 0) {
            assert.equal(r.first, all.vfs[0].rid);
            assert.equal(r.last, all.vfs[all.vfs.length - 1].rid);
          }
          assert.equal(r.maxBus, all.maxBus);
          assert.deepEqual(r.issues, all.issues);
        },
      ),
      { numRuns: 500 },
    );
  });
});

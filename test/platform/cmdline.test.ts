// Kernel command line (R1.2 pci=noats; R4.2 iommu.passthrough, iommu=pt; iommu.strict).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCmdline, setPassthrough } from '../../src/platform/cmdline.js';

test('empty: nothing given, build defaults', () => {
  assert.deepEqual(parseCmdline('').cmdline, { raw: '', noats: false });
});

test('iommu.passthrough / iommu=pt / iommu=nopt; last one wins', () => {
  assert.equal(parseCmdline('iommu.passthrough=1').cmdline.passthrough, true);
  assert.equal(parseCmdline('iommu.passthrough=0').cmdline.passthrough, false);
  assert.equal(parseCmdline('iommu=pt').cmdline.passthrough, true);
  assert.equal(parseCmdline('iommu=pt iommu.passthrough=0').cmdline.passthrough, false);
  assert.equal(parseCmdline('iommu=nopt').cmdline.passthrough, false);
});

test('iommu.strict and pci=noats (also inside a pci= list)', () => {
  assert.equal(parseCmdline('iommu.strict=0').cmdline.strict, false);
  assert.equal(parseCmdline('pci=noats').cmdline.noats, true);
  const r = parseCmdline('pci=realloc,noats');
  assert.equal(r.cmdline.noats, true);
  assert.deepEqual(r.unknown, ['pci=realloc,noats']);
});

test('unknown words are kept in raw; bad values of known words are errors', () => {
  const r = parseCmdline('  quiet   iommu.strict=maybe intel_iommu=on ');
  assert.equal(r.cmdline.raw, 'quiet iommu.strict=maybe intel_iommu=on');
  assert.deepEqual(r.unknown, ['quiet', 'intel_iommu=on']);
  assert.equal(r.errors.length, 1);
  assert.equal(r.errors[0].word, 'iommu.strict=maybe');
  assert.equal(r.cmdline.strict, undefined);
});

test('setPassthrough replaces every passthrough word', () => {
  const c = setPassthrough(parseCmdline('quiet iommu=pt iommu.passthrough=1').cmdline, false);
  assert.equal(c.raw, 'quiet iommu.passthrough=0');
  assert.equal(c.passthrough, false);
});

// Decoders on real bytes; expectations from pci-config-space.md's worked byte examples.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { sriovVfRoutingIds } from '../../src/pci/caps/sriov.js';
import { decodeFunction } from '../../src/pci/decode.js';
import { formatBdf } from '../../src/pci/bdf.js';
import { parseDump } from '../../src/pci/dump.js';
import type { PciFunction } from '../../src/pci/types.js';
import { DUMPS_DIR, SKIP_MSG, dumpNames } from './support/shared.js';

function load(name: string, bdf: string): PciFunction {
  const fns = parseDump(readFileSync(join(DUMPS_DIR, `${name}.txt`), 'utf8'), name).functions;
  const f = fns.find((x) => formatBdf(x.bdf) === bdf || formatBdf(x.bdf, true) === bdf);
  assert.ok(f, `${bdf} in ${name}`);
  return decodeFunction(f.bdf, f.config);
}

test('CXL type-3 DVSEC id 0 (qemu72-cxl-direct 0d:00.0, spec §7.1 example)', (t) => {
  if (!dumpNames()) return t.skip(SKIP_MSG);
  const f = load('qemu72-cxl-direct', '0d:00.0');
  assert.deepEqual(f.issues, []);
  assert.equal(f.pcie?.type, 'endpoint');
  const d = f.dvsecs.find((x) => x.offset === 0x100);
  assert.ok(d);
  assert.equal(d.vendor, 0x1e98);
  assert.equal(d.revision, 1);
  assert.equal(d.length, 56);
  assert.equal(d.id, 0);
  assert.equal(d.cxlName, 'PCIe DVSEC for CXL Devices');
  const c = d.cxlDevice;
  assert.ok(c);
  assert.equal(c.cap, 0x001e);
  assert.deepEqual([c.cacheCapable, c.ioCapable, c.memCapable, c.memHwInit, c.hdmCount], [false, true, true, true, 1]);
  assert.equal(c.ctrl, 0x0002);
  assert.equal(c.memEnable, false);
  assert.equal(c.ranges[0].size, 0x10000000n);
  assert.equal(c.ranges[0].sizeLowRaw, 0x1000004b);
  assert.equal(c.ranges[0].base, 0n);
  assert.deepEqual(f.dvsecs.map((x) => x.id), [0, 8, 5]);
});

test('CXL root port DVSECs 3,4,7,8 and ACS (qemu72-cxl-direct 0c:00.0)', (t) => {
  if (!dumpNames()) return t.skip(SKIP_MSG);
  const f = load('qemu72-cxl-direct', '0c:00.0');
  assert.equal(f.pcie?.type, 'root-port');
  assert.ok(f.acs);
  const d150 = f.caps.find((c) => c.offset === 0x150);
  assert.deepEqual([d150?.id, d150?.version, d150?.next], [0x23, 1, 0x178]); // header 0x17810023
  assert.deepEqual(f.dvsecs.map((x) => x.id), [3, 4, 7, 8]);
  assert.equal(f.header?.headerType, 1);
});

test('ATS and PASID bytes (pciutils-cap-pasid-pri 00:02.0, spec §6.4/§6.6)', (t) => {
  if (!dumpNames()) return t.skip(SKIP_MSG);
  const f = load('pciutils-cap-pasid-pri', '00:02.0');
  assert.equal(f.pcie?.type, 'rc-integrated-endpoint');
  assert.deepEqual(f.ats, { offset: 0x200, invalidateQueueDepth: 0, pageAligned: true, globalInvalidate: false, relaxedOrdering: false, enabled: true, stu: 0 });
  assert.deepEqual(f.pasid, { offset: 0x100, exec: true, priv: false, maxWidth: 20, enabled: true, execEnabled: true, privEnabled: false });
  assert.ok(f.pri);
});

test('VF routing IDs: 82576 on the next bus (pciutils-cap-pcie-2, spec §6.7)', (t) => {
  if (!dumpNames()) return t.skip(SKIP_MSG);
  const f = load('pciutils-cap-pcie-2', '01:00.0');
  const s = f.sriov;
  assert.ok(s);
  assert.deepEqual([s.numVfs, s.totalVfs, s.firstVfOffset, s.vfStride, s.vfEnable, s.ariCapableHierarchy], [1, 8, 384, 2, true, false]);
  const now = sriovVfRoutingIds(f.bdf, s);
  assert.deepEqual(now.vfs.map((v) => formatBdf(v.bdf!)), ['02:10.0']);
  const all = sriovVfRoutingIds(f.bdf, s, s.totalVfs);
  assert.equal(all.vfs[1].bdf && formatBdf(all.vfs[1].bdf), '02:10.2');
  assert.equal(all.vfs[7].rid, 0x028e);
  assert.equal(all.vfs[7].bdf && formatBdf(all.vfs[7].bdf), '02:11.6');
  assert.equal(all.maxBus, 2);
  assert.deepEqual(all.issues, []);
});

test('VF routing IDs with ARI and a domain (pciutils-cap-ea-1, spec §6.7)', (t) => {
  if (!dumpNames()) return t.skip(SKIP_MSG);
  const f = load('pciutils-cap-ea-1', '0002:01:00.0');
  const s = f.sriov;
  assert.ok(s);
  assert.equal(s.ariCapableHierarchy, true);
  const r = sriovVfRoutingIds(f.bdf, s);
  assert.equal(r.vfs.length, 128);
  assert.equal(r.vfs[0].rid, 0x0101);
  assert.equal(formatBdf(r.vfs[0].bdf!, true), '0002:01:00.1');
  assert.equal(r.vfs[127].rid, 0x0180);
  assert.equal(formatBdf(r.vfs[127].bdf!, true), '0002:01:10.0');
});

test('VF routing IDs: hypothetical NVMe PF (spec §6.7) and the kernel\'s -EIO cases', () => {
  const pf = { domain: 0, bus: 0x2e, dev: 0, fn: 0 };
  const r = sriovVfRoutingIds(pf, { offset: 0x160, firstVfOffset: 32, vfStride: 1, numVfs: 64 });
  assert.equal(formatBdf(r.vfs[0].bdf!), '2e:04.0');
  assert.equal(formatBdf(r.vfs[63].bdf!), '2e:0b.7');
  assert.deepEqual(sriovVfRoutingIds(pf, { offset: 0x160, firstVfOffset: 0, vfStride: 1, numVfs: 2 }).issues.map((i) => [i.code, i.offset]), [['BAD_LENGTH', 0x174]]);
  assert.deepEqual(sriovVfRoutingIds(pf, { offset: 0x160, firstVfOffset: 1, vfStride: 0, numVfs: 2 }).issues.map((i) => [i.code, i.offset]), [['BAD_LENGTH', 0x176]]);
  const high = sriovVfRoutingIds({ domain: 0, bus: 0xff, dev: 0, fn: 0 }, { offset: 0x160, firstVfOffset: 0x100, vfStride: 1, numVfs: 1 });
  assert.equal(high.vfs[0].bdf, undefined);
  assert.equal(high.issues.length, 1);
});

test('every real dump decodes without issues; 256-byte functions show no extended caps', (t) => {
  const names = dumpNames();
  if (!names) return t.skip(SKIP_MSG);
  let n = 0;
  for (const name of names) {
    for (const fn of parseDump(readFileSync(join(DUMPS_DIR, `${name}.txt`), 'utf8'), name).functions) {
      const f = decodeFunction(fn.bdf, fn.config);
      n++;
      assert.deepEqual(f.issues, [], `${name} ${formatBdf(fn.bdf)}`);
      if (fn.config.length <= 256) assert.ok(f.caps.every((c) => !c.extended));
    }
  }
  assert.equal(n, 288); // README: 288 device functions
});

test('broken extended space of a non-PCIe host bridge is not walked (pciutils-broken-ecaps)', (t) => {
  if (!dumpNames()) return t.skip(SKIP_MSG);
  const fns = parseDump(readFileSync(join(DUMPS_DIR, 'pciutils-broken-ecaps.txt'), 'utf8')).functions;
  for (const fn of fns) {
    const f = decodeFunction(fn.bdf, fn.config);
    if (!f.pcie) assert.equal(f.walk?.extWalked, false);
  }
});

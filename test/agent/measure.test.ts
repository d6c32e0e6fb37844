// The measurement: stable across what a driver bind writes (Command, BARs, MSI/MSI-X
// control, DevCtl, ATS/PASID control — register offsets from the PCIe Base spec, written here
// independently of the mask), different for a different device or a changed read-only field.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { buildConfigSpace } from '../../src/pci/builder.js';
import { decodeFunction } from '../../src/pci/decode.js';
import { parseDumpFile } from '../../src/pci/dump.js';
import type { ConfigSpace, PciFunction } from '../../src/pci/types.js';
import { measure, maskedConfig } from '../../src/agent/measure.js';

const bdf = { domain: 0, bus: 1, dev: 0, fn: 0 };
const dec = (c: ConfigSpace): PciFunction => decodeFunction(bdf, c);
const hashOf = (fn: PciFunction, over: { device?: number } = {}): string | null => {
  const h = fn.header!;
  return measure({ fn, vendor: h.vendorId, device: over.device ?? h.deviceId, subsystemVendor: h.subsystemVendorId ?? null, subsystemDevice: h.subsystemId ?? null, classCode: (h.classCode << 16) | (h.subclass << 8) | h.progIf, revision: h.revision });
};

function w16(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >> 8) & 0xff;
}
function w32(b: Uint8Array, o: number, v: number): void {
  w16(b, o, v & 0xffff);
  w16(b, o + 2, v >>> 16);
}
const r16 = (b: Uint8Array, o: number): number => b[o] | (b[o + 1] << 8);

/** What probing a driver writes, as a driver and the PCI core would (pci_enable_device,
 * pci_set_master, pci_enable_msi(x), pcie_capability_set_word, pci_enable_ats/pasid, BAR sizing). */
function afterDriverBind(fn: PciFunction): Uint8Array {
  const b = fn.config.bytes.slice();
  w16(b, 0x04, r16(b, 0x04) | 0x0406); // Command: Memory Space, Bus Master, INTx Disable
  w16(b, 0x06, r16(b, 0x06) | 0xf908); // Status: error bits (RW1C) and Interrupt Status set at run time
  b[0x0c] = 0x10; // Cache Line Size
  b[0x0d] = 0x40; // Latency Timer
  b[0x3c] = 0x0b; // Interrupt Line
  if ((b[0x0e] & 0x7f) === 0) for (let o = 0x10; o < 0x28; o += 4) w32(b, o, 0xfe000000 + o * 0x1000);
  else {
    b[0x18] = 0;
    b[0x19] = 5;
    b[0x1a] = 9; // bus numbers
    w32(b, 0x20, 0xfe10fe00); // memory window
    w16(b, 0x3e, 0x0003); // Bridge Control
  }
  if (fn.msi) {
    w16(b, fn.msi.offset + 2, r16(b, fn.msi.offset + 2) | 0x0001 | (0 << 4)); // MSI Enable
    w32(b, fn.msi.offset + 4, 0xfee00000); // Message Address
    w16(b, fn.msi.offset + (fn.msi.is64 ? 0x0c : 0x08), 0x4021); // Message Data
  }
  if (fn.msix) w16(b, fn.msix.offset + 2, r16(b, fn.msix.offset + 2) | 0xc000); // MSI-X Enable + Function Mask
  if (fn.pcie) {
    w16(b, fn.pcie.offset + 0x08, 0x2936); // DevCtl: MPS/MRRS, error reporting enables
    w16(b, fn.pcie.offset + 0x0a, 0x000f); // DevSta (RW1C error bits)
    w16(b, fn.pcie.offset + 0x10, 0x0040); // LnkCtl
    w16(b, fn.pcie.offset + 0x28, 0x0400); // DevCtl2
  }
  if (fn.ats) w16(b, fn.ats.offset + 6, 0x8000 | 0x0000); // ATS Enable, STU 0 (4 KiB)
  if (fn.pasid) w16(b, fn.pasid.offset + 6, 0x0001); // PASID Enable
  if (fn.pri) w16(b, fn.pri.offset + 4, 0x0001); // PRI Enable
  return b;
}

describe('measurement', () => {
  const spec = { vendor: 0x1234, device: 0x0c02, class: 0x120000, ats: { pageAligned: true }, pasid: true, pri: true, msi: true, msix: true, acs: false, cxl: { cache: true, mem: true } } as const;
  const fn = dec(buildConfigSpace(spec));

  it('two reads across a driver bind give the same hash (synthetic CXL.cache device: ATS, PASID, PRI, MSI, MSI-X)', () => {
    assert.ok(fn.ats && fn.pasid && fn.pri && fn.msi && fn.msix && fn.pcie, 'fixture has every capability the bind touches');
    const bound = dec({ bytes: afterDriverBind(fn), length: fn.config.length });
    assert.ok(bound.ats?.enabled && bound.msi?.enabled && bound.msix?.enabled, 'the bind really changed the registers');
    assert.notDeepEqual(bound.config.bytes, fn.config.bytes);
    assert.equal(hashOf(bound), hashOf(fn));
    assert.match(hashOf(fn)!, /^sha256:[0-9a-f]{64}$/);
  });

  it('a real device (the qemu72 CXL endpoint and its port, from data/) keeps its hash across a bind', () => {
    const parsed = parseDumpFile(fileURLToPath(new URL('../../data/pci-dumps/qemu72-cxl-direct.txt', import.meta.url)));
    const byBdf = new Map(parsed.functions.map((f) => [`${f.bdf.bus.toString(16).padStart(2, '0')}:${f.bdf.dev.toString(16).padStart(2, '0')}.${f.bdf.fn}`, f]));
    for (const name of ['0d:00.0', '0c:00.0', '00:02.0']) {
      const f = byBdf.get(name);
      assert.ok(f, `${name} in the dump`);
      const real = decodeFunction(f.bdf, { bytes: f.config.bytes.slice(), length: f.config.length });
      const bound = decodeFunction(f.bdf, { bytes: afterDriverBind(real), length: real.config.length });
      assert.equal(hashOf(bound), hashOf(real), name);
    }
    const h = ['0d:00.0', '0c:00.0', '00:02.0', '00:1f.2'].map((n) => {
      const f = byBdf.get(n)!;
      return hashOf(decodeFunction(f.bdf, { bytes: f.config.bytes.slice(), length: f.config.length }));
    });
    assert.equal(new Set(h).size, 4, 'four different devices, four different hashes');
  });

  it('a different device, or a changed read-only field, changes the hash', () => {
    const h = hashOf(fn);
    assert.notEqual(hashOf(fn, { device: 0x0c03 }), h, 'device ID');
    const other = dec(buildConfigSpace({ ...spec, cxl: { cache: true, mem: false } }));
    assert.notEqual(hashOf(other), h, 'CXL DVSEC capability (Mem_Capable)');
    const qdep = dec(buildConfigSpace({ ...spec, ats: { pageAligned: true, qdep: 5 } }));
    assert.notEqual(hashOf(qdep), h, 'ATS Invalidate Queue Depth (RO)');
    const noPri = dec(buildConfigSpace({ ...spec, pri: false }));
    assert.notEqual(hashOf(noPri), h, 'a capability less');
    const sriov = dec(buildConfigSpace({ ...spec, sriov: { totalVfs: 4 } }));
    const sriov8 = dec(buildConfigSpace({ ...spec, sriov: { totalVfs: 8 } }));
    assert.notEqual(hashOf(sriov), hashOf(sriov8), 'SR-IOV TotalVFs (RO)');
    const sriovOn = dec(buildConfigSpace({ ...spec, sriov: { totalVfs: 4, numVfs: 4, enabled: true } }));
    assert.equal(hashOf(sriovOn), hashOf(sriov), 'NumVFs and VF Enable are RW: masked');
  });

  it('no measurement from a 64-byte (unprivileged) read: null, never a weak hash', () => {
    const short = dec({ bytes: fn.config.bytes.slice(0, 64), length: 64 });
    assert.equal(hashOf(short), null);
  });

  it('the mask zeroes Command, BARs and ATS Control, keeps IDs and the DSN', () => {
    const dsnFn = dec(buildConfigSpace({ ...spec, dsn: { serial: 0x0102030405060708n } }));
    assert.ok(dsnFn.dsn);
    const m = maskedConfig(dsnFn);
    assert.equal(r16(m, 0x04), 0);
    assert.equal(r16(m, 0x00), 0x1234);
    for (let o = 0x10; o < 0x28; o++) assert.equal(m[o], 0);
    assert.deepEqual([...m.subarray(dsnFn.dsn.offset + 4, dsnFn.dsn.offset + 12)], [8, 7, 6, 5, 4, 3, 2, 1]);
    assert.equal(r16(m, dsnFn.ats!.offset + 6), 0, 'ATS Control');
  });
});

// Synthetic devices: a plain-data spec (exposed as-is in scenario YAML, `caps:` list) ->
// 4096 bytes of config space laid out as real hardware would (header, standard capabilities
// from 0x40, extended ones from 0x100, each chained to the next). Layouts: pci-config-space.md.
import type { ConfigSpace, PcieDevicePortType } from './types.js';
import { PCI_VENDOR_ID_CXL } from './types.js';

/** One synthetic PCI function. Every field is optional except where noted. */
export interface SyntheticDeviceSpec {
  /** Vendor ID (default 0x1234). */
  vendor?: number;
  /** Device ID (default 0x0001). */
  device?: number;
  /** 24-bit class code, base<<16 | sub<<8 | prog-if (default: 0x060400 for bridges, 0x050210 for CXL memory, else 0x020000). */
  class?: number;
  /** Revision ID (default 1). */
  revision?: number;
  /** Type 1 (PCI-to-PCI bridge) header; default: true for root/downstream/upstream ports. */
  bridge?: boolean;
  /** PCI Express Device/Port Type (default 'root-port' for bridges, else 'endpoint'). */
  type?: PcieDevicePortType;
  /** Slot Implemented in the PCIe Capabilities register (default: true for root/downstream ports). */
  slot?: boolean;
  /** Multi-function bit in the header type. */
  multifunction?: boolean;
  /** Bridges: primary/secondary/subordinate bus numbers (default 0/1/1). */
  primaryBus?: number;
  secondaryBus?: number;
  subordinateBus?: number;
  /** Conventional PCI function without a PCI Express capability (then no extended capabilities). */
  legacyPci?: boolean;
  /** DevCap2 End-End TLP Prefix Supported (bit 21). */
  eetlp?: boolean;
  /** DevCap2 ARI Forwarding Supported (bit 5). */
  ariForwarding?: boolean;
  /** MSI capability (64-bit). */
  msi?: boolean;
  /** MSI-X capability; a number gives the table size (default 8 vectors). */
  msix?: boolean | number;
  /** ATS: Page Aligned Request bit, Invalidate Queue Depth raw field (0 = 32), Enable. */
  ats?: { pageAligned?: boolean; qdep?: number; enabled?: boolean; stu?: number } | boolean;
  /** PASID: Max PASID Width (bits, default 20), Execute / Privileged Mode supported, Enable. */
  pasid?: { width?: number; exec?: boolean; priv?: boolean; enabled?: boolean } | boolean;
  /** PRI: Outstanding Page Request Capacity (default 256), PRG Response PASID Required, Enable, Stopped (default true). */
  pri?: { maxRequests?: number; pasidRequired?: boolean; enabled?: boolean; stopped?: boolean } | boolean;
  /** SR-IOV: TotalVFs (required), NumVFs (default 0), First VF Offset / VF Stride (default 1/1), VF Device ID, VF Enable, ARI Capable Hierarchy. */
  sriov?: { totalVfs: number; numVfs?: number; firstVfOffset?: number; vfStride?: number; vfDeviceId?: number; enabled?: boolean; ari?: boolean };
  /** ACS: raw capability and control words, or `true` = SV|RR|CR|UF capable and enabled. */
  acs?: { cap: number; ctrl: number } | boolean;
  /** Device Serial Number (64-bit; number, bigint or hex string). */
  dsn?: { serial: number | bigint | string };
  /** ARI capability; Next Function Number (default 0). */
  ari?: { nextFunction?: number } | boolean;
  /** CXL PCIe DVSEC for CXL Devices (DVSEC id 0, rev 1): Cache/IO/Mem capable (IO default true), HDM count, enables. */
  cxl?: { cache?: boolean; mem?: boolean; io?: boolean; hdmCount?: number; cacheEnable?: boolean; memEnable?: boolean; memSizeMiB?: number };
}

const TYPE_RAW: Readonly<Record<PcieDevicePortType, number>> = {
  endpoint: 0,
  'legacy-endpoint': 1,
  'root-port': 4,
  'upstream-port': 5,
  'downstream-port': 6,
  'pcie-to-pci-bridge': 7,
  'pci-to-pcie-bridge': 8,
  'rc-integrated-endpoint': 9,
  'rc-event-collector': 10,
  unknown: 15,
};

class Space {
  readonly b = new Uint8Array(4096);
  w8(o: number, v: number): void {
    this.b[o] = v & 0xff;
  }
  w16(o: number, v: number): void {
    this.b[o] = v & 0xff;
    this.b[o + 1] = (v >>> 8) & 0xff;
  }
  w32(o: number, v: number): void {
    this.w16(o, v & 0xffff);
    this.w16(o + 2, (v >>> 16) & 0xffff);
  }
}

const isBridgeType = (t: PcieDevicePortType | undefined): boolean =>
  t === 'root-port' || t === 'downstream-port' || t === 'upstream-port' || t === 'pcie-to-pci-bridge';

function toBigInt(v: number | bigint | string): bigint {
  if (typeof v === 'bigint') return BigInt.asUintN(64, v);
  if (typeof v === 'number') return BigInt.asUintN(64, BigInt(Math.trunc(v)));
  const s = v.replace(/[-:\s]/g, '');
  return BigInt.asUintN(64, BigInt(/^0x/i.test(s) ? s : '0x' + s));
}

const opt = <T extends object>(v: T | boolean | undefined): T | undefined => (v === true ? ({} as T) : v ? v : undefined);

/** Build a 4096-byte config space for `spec`. */
export function buildConfigSpace(spec: SyntheticDeviceSpec): ConfigSpace {
  const s = new Space();
  const bridge = spec.bridge ?? isBridgeType(spec.type);
  const type: PcieDevicePortType = spec.type ?? (bridge ? 'root-port' : 'endpoint');
  const cls = spec.class ?? (bridge ? 0x060400 : spec.cxl?.mem ? 0x050210 : 0x020000);
  s.w16(0x00, spec.vendor ?? 0x1234);
  s.w16(0x02, spec.device ?? 0x0001);
  s.w16(0x04, 0x0006);
  s.w16(0x06, 0x0010);
  s.w8(0x08, spec.revision ?? 1);
  s.w8(0x09, cls & 0xff);
  s.w8(0x0a, (cls >> 8) & 0xff);
  s.w8(0x0b, (cls >> 16) & 0xff);
  s.w8(0x0e, (bridge ? 1 : 0) | (spec.multifunction ? 0x80 : 0));
  if (bridge) {
    s.w8(0x18, spec.primaryBus ?? 0);
    s.w8(0x19, spec.secondaryBus ?? 1);
    s.w8(0x1a, spec.subordinateBus ?? spec.secondaryBus ?? 1);
  } else {
    s.w16(0x2c, spec.vendor ?? 0x1234);
    s.w16(0x2e, 0x0000);
  }
  // Standard capabilities from 0x40, chained in order.
  const std: { size: number; write: (o: number) => void; id: number }[] = [];
  if (!spec.legacyPci) {
    std.push({
      id: 0x10,
      size: 0x3c,
      write: (o) => {
        const slot = spec.slot ?? (type === 'root-port' || type === 'downstream-port');
        s.w16(o + 2, 2 | (TYPE_RAW[type] << 4) | (slot ? 0x100 : 0));
        s.w32(o + 4, 0x8000); // DevCap: Role-Based Error Reporting
        s.w32(o + 0x24, (spec.ariForwarding ? 1 << 5 : 0) | (spec.eetlp ? 1 << 21 : 0));
      },
    });
  }
  if (spec.msi) std.push({ id: 0x05, size: 0x18, write: (o) => s.w16(o + 2, 0x0080) });
  if (spec.msix) {
    const n = typeof spec.msix === 'number' ? spec.msix : 8;
    std.push({ id: 0x11, size: 0x0c, write: (o) => (s.w16(o + 2, (Math.max(1, Math.min(n, 2048)) - 1) & 0x7ff), s.w32(o + 4, 0), s.w32(o + 8, 0x800)) });
  }
  let where = 0x40;
  if (std.length) s.w8(0x34, 0x40);
  else s.w16(0x06, 0);
  std.forEach((c, i) => {
    s.w8(where, c.id);
    c.write(where);
    const next = i + 1 < std.length ? (where + c.size + 3) & ~3 : 0;
    s.w8(where + 1, next);
    where = next;
  });
  if (spec.legacyPci) return { bytes: s.b, length: 4096 };
  // Extended capabilities from 0x100.
  const ext: { id: number; version: number; size: number; write: (o: number) => void }[] = [];
  if (spec.dsn) {
    const v = toBigInt(spec.dsn.serial);
    ext.push({ id: 0x03, version: 1, size: 0x0c, write: (o) => (s.w32(o + 4, Number(v & 0xffffffffn)), s.w32(o + 8, Number(v >> 32n))) });
  }
  const ari = opt(spec.ari);
  if (ari) ext.push({ id: 0x0e, version: 1, size: 8, write: (o) => s.w16(o + 4, ((ari.nextFunction ?? 0) & 0xff) << 8) });
  const ats = opt(spec.ats);
  if (ats) {
    ext.push({
      id: 0x0f,
      version: 1,
      size: 8,
      write: (o) => {
        s.w16(o + 4, ((ats.qdep ?? 0) & 0x1f) | ((ats.pageAligned ?? true) ? 0x20 : 0));
        s.w16(o + 6, ((ats.stu ?? 0) & 0x1f) | (ats.enabled ? 0x8000 : 0));
      },
    });
  }
  const pasid = opt(spec.pasid);
  if (pasid) {
    ext.push({
      id: 0x1b,
      version: 1,
      size: 8,
      write: (o) => {
        s.w16(o + 4, (pasid.exec ? 2 : 0) | (pasid.priv ? 4 : 0) | (((pasid.width ?? 20) & 0x1f) << 8));
        s.w16(o + 6, pasid.enabled ? 1 : 0);
      },
    });
  }
  const pri = opt(spec.pri);
  if (pri) {
    ext.push({
      id: 0x13,
      version: 1,
      size: 0x10,
      write: (o) => {
        s.w16(o + 4, pri.enabled ? 1 : 0);
        s.w16(o + 6, ((pri.stopped ?? true) ? 0x100 : 0) | (pri.pasidRequired ? 0x8000 : 0));
        s.w32(o + 8, pri.maxRequests ?? 256);
      },
    });
  }
  const sr = spec.sriov;
  if (sr) {
    ext.push({
      id: 0x10,
      version: 1,
      size: 0x40,
      write: (o) => {
        s.w16(o + 8, (sr.enabled ? 0x09 : 0) | (sr.ari ? 0x10 : 0));
        s.w16(o + 0x0c, sr.totalVfs);
        s.w16(o + 0x0e, sr.totalVfs);
        s.w16(o + 0x10, sr.numVfs ?? 0);
        s.w16(o + 0x14, sr.firstVfOffset ?? 1);
        s.w16(o + 0x16, sr.vfStride ?? 1);
        s.w16(o + 0x1a, sr.vfDeviceId ?? (spec.device ?? 1) + 1);
        s.w32(o + 0x1c, 0x553);
        s.w32(o + 0x20, 1);
      },
    });
  }
  if (spec.acs) {
    const acs = spec.acs === true ? { cap: 0x1d, ctrl: 0x1d } : spec.acs;
    // With Egress Control (bit 5) the Egress Control Vector follows: size bits 15:8, 0 = 256.
    const vec = acs.cap & 0x20 ? ((((acs.cap >> 8) & 0xff) || 256) + 31) >> 5 : 0;
    ext.push({ id: 0x0d, version: 1, size: 8 + 4 * vec, write: (o) => (s.w16(o + 4, acs.cap), s.w16(o + 6, acs.ctrl)) });
  }
  const cxl = spec.cxl;
  if (cxl) {
    ext.push({
      id: 0x23,
      version: 1,
      size: 0x38,
      write: (o) => {
        s.w32(o + 4, PCI_VENDOR_ID_CXL | (1 << 16) | (0x38 << 20));
        s.w16(o + 8, 0);
        const hdm = cxl.hdmCount ?? (cxl.mem ? 1 : 0);
        s.w16(o + 0x0a, (cxl.cache ? 1 : 0) | (cxl.io === false ? 0 : 2) | (cxl.mem ? 4 : 0) | ((hdm & 3) << 4));
        s.w16(o + 0x0c, (cxl.cacheEnable ? 1 : 0) | (cxl.io === false ? 0 : 2) | (cxl.memEnable ? 4 : 0));
        if (cxl.mem) {
          const size = BigInt(cxl.memSizeMiB ?? 256) << 20n;
          s.w32(o + 0x18, Number(size >> 32n));
          s.w32(o + 0x1c, Number(size & 0xf0000000n) | 0x3 | (2 << 2) | (2 << 5));
        }
      },
    });
  }
  where = 0x100;
  ext.forEach((c, i) => {
    const next = i + 1 < ext.length ? (where + c.size + 3) & ~3 : 0;
    s.w32(where, (c.id | (c.version << 16) | (next << 20)) >>> 0);
    c.write(where);
    where = next;
  });
  return { bytes: s.b, length: 4096 };
}

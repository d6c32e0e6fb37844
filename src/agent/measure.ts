// The device measurement (`hash`): SHA-256 over the function's identity and the read-only
// parts of its config space. Registers a driver, the kernel or the device itself changes at
// run time are masked (zeroed) before hashing, so a bind/unbind, an enabled MSI, a programmed
// BAR or an ATS enable do not change the hash; a different device does. The mask is
// documented register by register in docs/agent.md ("Measurement"); layouts are PCIe Base 6.0
// §7.5–§7.9 as in include/uapi/linux/pci_regs.h. Versioned: the hash text starts with the
// scheme ("sha256:") and the input with "dmagate-measure-v1", so a later scheme cannot be
// mistaken for this one (USBGuard #374: a silent change of the hash algorithm).
import { createHash } from 'node:crypto';
import type { PciFunction } from '../pci/types.js';
import type { PciIdentity } from '../platform/sysfs-reader.js';

/** [offset, length, keep-mask] ranges kept from config space; everything else is zeroed. */
type Keep = [number, number, number?];

const rd16 = (b: Uint8Array, o: number): number => b[o] | (b[o + 1] << 8);
const rd32 = (b: Uint8Array, o: number): number => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;

/** Header registers kept (type 0 and type 1 share the first 16 bytes). */
function headerKeeps(b: Uint8Array): Keep[] {
  const k: Keep[] = [
    [0x00, 4], // Vendor ID, Device ID
    // 0x04 Command: RW (Memory/IO/Bus Master enables, INTx disable …) — masked.
    [0x06, 2, 0x06b0], // Status: keep Capabilities List, 66 MHz, Fast B2B, DEVSEL timing; mask RW1C errors + Interrupt Status
    [0x08, 4], // Revision ID, Class Code
    // 0x0c Cache Line Size, 0x0d Latency Timer (RW), 0x0f BIST (RW) — masked
    [0x0e, 1], // Header Type
  ];
  const type = b[0x0e] & 0x7f;
  if (type === 0) {
    // 0x10–0x27 BARs (RW: addresses), 0x30 Expansion ROM BAR (RW) — masked
    k.push([0x28, 4]); // CardBus CIS pointer
    k.push([0x2c, 4]); // Subsystem Vendor ID, Subsystem ID
    k.push([0x34, 1]); // Capabilities Pointer
    // 0x3c Interrupt Line (RW, firmware/OS) masked; 0x3d Interrupt Pin, 0x3e Min_Gnt, 0x3f Max_Lat RO
    k.push([0x3d, 3]);
  } else if (type === 1) {
    // 0x10–0x17 BARs, 0x18–0x1b bus numbers + secondary latency (RW, assigned at enumeration),
    // 0x1c–0x33 I/O and memory windows (RW), 0x1e Secondary Status (RW1C), 0x38 ROM BAR,
    // 0x3c Interrupt Line, 0x3e Bridge Control (RW) — masked
    k.push([0x34, 1]);
    k.push([0x3d, 1]);
  } else {
    k.push([0x34, 1]);
  }
  return k;
}

/** Read-only registers of the standard capabilities the mask knows; other capabilities
 * contribute their ID only (their bodies may hold RW registers we cannot tell apart). */
function stdCapKeeps(b: Uint8Array, off: number, id: number): Keep[] {
  const k: Keep[] = [[off, 1]]; // Capability ID (the next pointer is layout, kept via order)
  switch (id) {
    case 0x01: // Power Management: PMC RO; PMCSR (+4) RW — masked
      k.push([off + 2, 2]);
      break;
    case 0x05: // MSI: Message Control keeps Multiple Message Capable (3:1), 64-bit (7), Per-Vector Masking (8), Extended Msg Data Capable (9); Enable (0) and MME (6:4) are RW; address/data/mask RW
      k.push([off + 2, 2, 0x038e]);
      break;
    case 0x11: // MSI-X: Table Size (10:0) RO; Function Mask (14), Enable (15) RW; Table/PBA offset+BIR RO
      k.push([off + 2, 2, 0x07ff], [off + 4, 4], [off + 8, 4]);
      break;
    case 0x10: {
      // PCI Express: Capabilities, Device/Link/Slot/Root Capabilities (RO); every Control and
      // Status register (DevCtl/DevSta, LnkCtl/LnkSta, SltCtl/SltSta, RootCtl/RootSta, *2) is RW/RW1C or dynamic.
      k.push([off + 0x02, 2], [off + 0x04, 4], [off + 0x0c, 4], [off + 0x14, 4], [off + 0x1e, 2], [off + 0x24, 4], [off + 0x2c, 4], [off + 0x34, 4]);
      break;
    }
  }
  return k;
}

function extCapKeeps(b: Uint8Array, off: number, id: number): Keep[] {
  const k: Keep[] = [[off, 2], [off + 2, 1, 0x0f]]; // ID and version (next pointer masked)
  switch (id) {
    case 0x03: // Device Serial Number: identity
      k.push([off + 4, 8]);
      break;
    case 0x0f: // ATS: Capability (+4) RO; Control (+6: Enable, STU) RW
    case 0x1b: // PASID: Capability (+4) RO; Control (+6) RW
    case 0x0d: // ACS: Capability (+4) RO; Control (+6) RW
      k.push([off + 4, 2]);
      break;
    case 0x13: // PRI: Control (+4) RW, Status (+6) RW1C/dynamic, Outstanding Capacity (+8) RO, Allocation (+0xc) RW
      k.push([off + 8, 4]);
      break;
    case 0x10: // SR-IOV: Capabilities (+4), InitialVFs/TotalVFs (+0xc), Function Dependency Link (+0x12), VF Device ID (+0x1a), Supported Page Sizes (+0x1c) RO.
      // Control/Status, NumVFs, First VF Offset/VF Stride (they follow ARI Capable Hierarchy, RW), System Page Size, VF BARs, Migration — masked
      k.push([off + 4, 4], [off + 0x0c, 4], [off + 0x12, 1], [off + 0x1a, 2], [off + 0x1c, 4]);
      break;
    case 0x0e: // ARI: Capability (+4) RO except the function-group fields; Control RW
      k.push([off + 4, 2]);
      break;
    case 0x23: {
      // DVSEC: header 1 (vendor, revision, length) and header 2 (DVSEC ID) RO; for the CXL
      // device DVSEC (1e98, id 0) its Capability register (+0x0a: Cache/IO/Mem capable, HDM count) too.
      k.push([off + 4, 4], [off + 8, 2]);
      if (rd16(b, off + 4) === 0x1e98 && rd16(b, off + 8) === 0x0000) k.push([off + 0x0a, 2]);
      break;
    }
  }
  return k;
}

/** Config space with every masked register zeroed (the bytes hashed). Exposed for tests/docs. */
export function maskedConfig(fn: PciFunction): Uint8Array {
  const b = fn.config.bytes;
  const out = new Uint8Array(b.length);
  const keeps: Keep[] = headerKeeps(b);
  for (const c of fn.caps) keeps.push(...(c.extended ? extCapKeeps(b, c.offset, c.id) : stdCapKeeps(b, c.offset, c.id)));
  for (const [o, n, mask] of keeps) {
    if (o + n > b.length) continue;
    if (mask === undefined) out.set(b.subarray(o, o + n), o);
    else {
      const v = n === 1 ? b[o] & mask : n === 2 ? rd16(b, o) & mask : rd32(b, o) & mask;
      for (let i = 0; i < n; i++) out[o + i] = (v >>> (8 * i)) & 0xff;
    }
  }
  return out;
}

export interface MeasureInput extends PciIdentity {
  readonly fn: PciFunction | null;
}

/** "sha256:<hex>", or null when config space is not readable in full (a 64-byte
 * unprivileged read cannot see capabilities: no measurement rather than a weak one). */
export function measure(m: MeasureInput): string | null {
  if (m.fn === null || m.fn.config.length < 256) return null;
  const h = createHash('sha256');
  const id = [m.vendor, m.device, m.subsystemVendor, m.subsystemDevice, m.classCode, m.revision].map((x) => (x === null ? '-' : x.toString(16))).join(' ');
  h.update(`dmagate-measure-v1\n${id}\n${m.fn.config.length}\n`);
  h.update(maskedConfig(m.fn));
  return 'sha256:' + h.digest('hex');
}

// Title lines of standard capabilities as lspci 3.9.0 prints them (ls-caps.c show_caps and
// cap_*). Bodies: std-bodies.ts (PM, MSI, MSI-X, AF) and express.ts.
import { avail, rd16, rd32, rd8 } from '../config.js';
import { STD_CAP_NAMES, stdCapName } from '../caps/names.js';
import type { ConfigSpace } from '../types.js';
import { fl, h2, h4, h8 } from './fmt.js';
import type { PciNames } from '../names/pci-ids.js';

/** lspci 3.9.0's words for the Device/Port Type (pci-config-space.md §4). */
export function expressTypeText(flags: number): string {
  const type = (flags >> 4) & 0xf;
  const slot = fl(flags, 0x100);
  switch (type) {
    case 0: return 'Endpoint';
    case 1: return 'Legacy Endpoint';
    case 4: return `Root Port (Slot${slot})`;
    case 5: return 'Upstream Port';
    case 6: return `Downstream Port (Slot${slot})`;
    case 7: return 'PCI-Express to PCI/PCI-X Bridge';
    case 8: return `PCI/PCI-X to PCI-Express Bridge (Slot${slot})`;
    case 9: return 'Root Complex Integrated Endpoint';
    case 10: return 'Root Complex Event Collector';
    default: return `Unknown type ${type}`;
  }
}

/** `Express (vV) TYPE, MSI NN` (the ` (vV)` part only from -vv). */
export function expressTitle(cs: ConfigSpace, off: number, verbose: number): string {
  const flags = rd16(cs, off + 2);
  return 'Express ' + (verbose >= 2 ? `(v${flags & 0xf}) ` : '') + expressTypeText(flags) + ', MSI ' + h2((flags >> 9) & 0x1f);
}

/** Title text after `Capabilities: [xx] ` for a standard capability at `off` (4 bytes readable). */
export function stdCapTitle(cs: ConfigSpace, id: number, off: number, verbose: number, names?: PciNames): string {
  const w = rd16(cs, off + 2);
  switch (id) {
    case 0x01:
      return `Power Management version ${w & 7}`;
    case 0x02:
      return `AGP version ${((w >> 4) & 0xf).toString(16)}.${(w & 0xf).toString(16)}`;
    case 0x04:
      return `Slot ID: ${w & 0x1f} slots, First${fl(w, 0x20)}, chassis ${h2(w >> 8)}`;
    case 0x07: {
      // cap_pcix: nothing at all (not even the newline) for header types other than 0 and 1
      const ht = rd8(cs, 0x0e) & 0x7f;
      return ht === 0 ? 'PCI-X non-bridge device' : ht === 1 ? 'PCI-X bridge device' : '';
    }
    case 0x08:
      return htTitle(w);
    case 0x0a:
      return `Debug port: BAR=${w >> 13} offset=${h4(w & 0x1fff)}`;
    case 0x12: {
      let t = `SATA HBA v${(w >> 4) & 0xf}.${w & 0xf}`;
      if (verbose < 2 || !avail(cs, off + 4, 4)) return t;
      const bars = rd32(cs, off + 4);
      const bar = bars & 0xf;
      if (bar >= 4 && bar <= 9) t += ` BAR${bar - 4} Offset=${h8((bars >>> 4) & 0xfffff)}`;
      else if (bar === 15) t += ' InCfgSpace';
      else t += ` BAR??${bar}`;
      return t;
    }
    case 0x14: {
      let t = `Enhanced Allocation (EA): NumEntries=${w & 0x3f}`;
      if ((rd8(cs, 0x0e) & 0x7f) === 1) {
        if (!avail(cs, off + 4, 2)) return t;
        t += `, secondary=${rd8(cs, off + 4)}, subordinate=${rd8(cs, off + 5)}`;
      }
      return t;
    }
    case 0x05:
      return `MSI: Enable${fl(w, 1)} Count=${1 << ((w & 0x70) >> 4)}/${1 << ((w & 0x0e) >> 1)} Maskable${fl(w, 0x100)} 64bit${fl(w, 0x80)}`;
    case 0x09:
      // ls-caps-vendor.c show_vendor_caps: 3.9 decodes virtio's (1af4:1000-107f) only
      return `Vendor Specific Information: ${virtioType(cs, off) ?? `Len=${h2(rd8(cs, off + 2))} <?>`}`;
    case 0x0d:
      if (!avail(cs, off + 4, 4)) return 'Subsystem';
      if (names && names.mode !== 'numeric') return `Subsystem: ${names.subsystem(rd16(cs, 0), rd16(cs, 2), rd16(cs, off + 4), rd16(cs, off + 6))}`;
      return `Subsystem: ${h4(rd16(cs, off + 4))}:${h4(rd16(cs, off + 6))}`;
    case 0x10:
      return expressTitle(cs, off, verbose);
    case 0x11:
      return `MSI-X: Enable${fl(w, 0x8000)} Count=${(w & 0x7ff) + 1} Masked${fl(w, 0x4000)}`;
    default:
      // show_caps' default: printf("Capability ID %#02x [%04x]") with the flags word
      return STD_CAP_NAMES[id] !== undefined ? stdCapName(id) : `Capability ID ${id ? '0x' + id.toString(16) : '00'} [${h4(w)}]`;
  }
}

/** cap_ht: the HyperTransport capability type is in the command word (PCI_HT_CMD_TYP_HI 0xe000,
 * else PCI_HT_CMD_TYP 0xf800). */
function htTitle(cmd: number): string {
  switch (cmd & 0xe000) {
    case 0x0000: return 'HyperTransport: Slave or Primary Interface';
    case 0x2000: return 'HyperTransport: Host or Secondary Interface';
  }
  const type = cmd & 0xf800;
  switch (type) {
    case 0x4000: return 'HyperTransport: Switch';
    case 0x8000: return 'HyperTransport: Interrupt Discovery and Configuration';
    case 0x8800: return `HyperTransport: Revision ID: ${(cmd & 0xe0) >> 5}.${String(cmd & 0x1f).padStart(2, '0')}`;
    case 0x9000: return 'HyperTransport: UnitID Clumping';
    case 0x9800: return 'HyperTransport: Extended Configuration Space Access';
    case 0xa000: return 'HyperTransport: Address Mapping';
    case 0xa800: return `HyperTransport: MSI Mapping Enable${fl(cmd, 1)} Fixed${fl(cmd, 2)}`;
    case 0xb000: return 'HyperTransport: DirectRoute';
    case 0xb800: return 'HyperTransport: VCSet';
    case 0xc000: return 'HyperTransport: Retry Mode';
    case 0xc800: return 'HyperTransport: X86 (reserved)';
    default: return `HyperTransport: #${h2(type >> 11)}`;
  }
}

const VIRTIO_TYPES: Readonly<Record<number, string>> = { 1: 'CommonCfg', 2: 'Notify', 3: 'ISR', 4: 'DeviceCfg' };

/** show_vendor_caps_virtio's title ("VirtIO: CommonCfg"), or null when lspci falls back to
 * "Len=.. <?>" (not a virtio device, length under 16, or the bytes not readable). */
export function virtioType(cs: ConfigSpace, off: number): string | null {
  if (!avail(cs, 0, 4) || rd16(cs, 0) !== 0x1af4 || rd16(cs, 2) < 0x1000 || rd16(cs, 2) > 0x107f) return null;
  const len = rd8(cs, off + 2);
  if (len < 16 || !avail(cs, off, len)) return null;
  return `VirtIO: ${VIRTIO_TYPES[rd8(cs, off + 3)] ?? '<unknown>'}`;
}

/** show_vendor_caps_virtio's body line at -vv. */
export function virtioBody(cs: ConfigSpace, off: number): string {
  if (virtioType(cs, off) === null) return '';
  const len = rd8(cs, off + 2);
  let s = `\t\tBAR=${rd8(cs, off + 4)} offset=${h8(rd32(cs, off + 8))} size=${h8(rd32(cs, off + 12))}`;
  if (rd8(cs, off + 3) === 2 && len >= 20) s += ` multiplier=${h8(rd32(cs, off + 16))}`;
  return s + '\n';
}

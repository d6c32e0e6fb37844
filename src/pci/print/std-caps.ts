// Title lines of standard capabilities as lspci 3.9.0 prints them (ls-caps.c show_caps and
// cap_*). Only the PCI Express title is promised byte-identical; bodies are not printed.
import { avail, rd16, rd8 } from '../config.js';
import { STD_CAP_NAMES, stdCapName } from '../caps/names.js';
import type { ConfigSpace } from '../types.js';
import { fl, h2, h4 } from './fmt.js';

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
export function stdCapTitle(cs: ConfigSpace, id: number, off: number, verbose: number): string {
  const w = rd16(cs, off + 2);
  switch (id) {
    case 0x01:
      return `Power Management version ${w & 7}`;
    case 0x05:
      return `MSI: Enable${fl(w, 1)} Count=${1 << ((w & 0x70) >> 4)}/${1 << ((w & 0x0e) >> 1)} Maskable${fl(w, 0x100)} 64bit${fl(w, 0x80)}`;
    case 0x09:
      return `Vendor Specific Information: Len=${h2(rd8(cs, off + 2))} <?>`;
    case 0x0d:
      return avail(cs, off + 4, 4) ? `Subsystem: ${h4(rd16(cs, off + 4))}:${h4(rd16(cs, off + 6))}` : 'Subsystem';
    case 0x10:
      return expressTitle(cs, off, verbose);
    case 0x11:
      return `MSI-X: Enable${fl(w, 0x8000)} Count=${(w & 0x7ff) + 1} Masked${fl(w, 0x4000)}`;
    default:
      // lspci's default case prints the raw id and flags word
      return STD_CAP_NAMES[id] !== undefined ? stdCapName(id) : `#${h2(id)} [${h4(w)}]`;
  }
}

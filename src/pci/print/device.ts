// Device line and header lines as `lspci -n` prints them (lspci.c show_device, show_verbose).
import { avail, rd16, rd8 } from '../config.js';
import { formatBdf } from '../bdf.js';
import type { PciFunction } from '../types.js';
import { h2, h4 } from './fmt.js';
import type { PciNames } from '../names/pci-ids.js';

/** Programming-interface names lspci takes from pci.ids even with -n: used only when no pci.ids
 * could be read (a few common ones, copied from pci.ids 2023.04.10). */
const PROG_IF: Readonly<Record<number, string>> = {
  0x010180: 'ISA Compatibility mode-only controller, supports bus mastering',
  0x010185: 'PCI native mode-only controller, supports bus mastering',
  0x01018a: 'ISA Compatibility mode controller, supports both channels switched to PCI native mode, supports bus mastering',
  0x01018f: 'PCI native mode controller, supports both channels switched to ISA compatibility mode, supports bus mastering',
  0x010601: 'AHCI 1.0',
  0x010802: 'NVM Express',
  0x030000: 'VGA controller',
  0x050210: 'CXL Memory Device (CXL 2.x)',
  0x060400: 'Normal decode',
  0x060401: 'Subtractive decode',
  0x080000: '8259',
  0x080020: 'IO(X)-APIC',
  0x0c0010: 'OHCI',
  0x0c0300: 'UHCI',
  0x0c0310: 'OHCI',
  0x0c0320: 'EHCI',
  0x0c0330: 'XHCI',
  0x0c0340: 'USB4 Host Interface',
};

/** `BB:DD.F cccc: vvvv:dddd (rev rr) (prog-if pp [name])` (show_terse); names as `names` says
 * (numeric when absent); prog-if only when verbose. */
export function deviceLine(fn: PciFunction, verbose: number, showDomain: boolean, names?: PciNames): string {
  const cs = fn.config;
  let s = formatBdf(fn.bdf, showDomain);
  if (!avail(cs, 0, 12)) return s + ' ffff: ffff:ffff';
  const cls = rd16(cs, 0x0a);
  if (names && names.mode !== 'numeric') s += ' ' + names.className(cls) + ': ' + names.vendorDevice(rd16(cs, 0), rd16(cs, 2));
  else s += ' ' + h4(cls) + ': ' + h4(rd16(cs, 0)) + ':' + h4(rd16(cs, 2));
  const rev = rd8(cs, 0x08);
  if (rev) s += ' (rev ' + h2(rev) + ')';
  if (verbose) {
    const pi = rd8(cs, 0x09);
    const name = progIfName(cls, pi, names);
    if (pi || name !== null) s += ' (prog-if ' + h2(pi) + (name !== null ? ' [' + name + ']' : '') + ')';
  }
  return s;
}

/** The prog-if name lspci prints even with -n: from pci.ids when one was read, else the table above. */
export function progIfName(cls: number, pi: number, names?: PciNames): string | null {
  if (names?.db) return names.progIf(cls, pi);
  return PROG_IF[(cls << 8) | pi] ?? null;
}

// Bodies of the Power Management (0x01), MSI (0x05) and MSI-X (0x11) capabilities as pciutils
// 3.9.0 prints them at -vv (ls-caps.c cap_pm, cap_msi, cap_msix). Register layout:
// include/uapi/linux/pci_regs.h PCI_PM_*, PCI_MSI_*, PCI_MSIX_*.
import { avail, rd16, rd32, rd8 } from '../config.js';
import type { ConfigSpace } from '../types.js';
import { fl, h4, h8 } from './fmt.js';

const PM_AUX_CURRENT = [0, 55, 100, 160, 220, 270, 320, 375];

/** Lines after `Power Management version N`. */
export function pmBody(cs: ConfigSpace, off: number): string {
  const cap = rd16(cs, off + 2);
  let s =
    `\t\tFlags: PMEClk${fl(cap, 8)} DSI${fl(cap, 0x20)} D1${fl(cap, 0x200)} D2${fl(cap, 0x400)} AuxCurrent=${PM_AUX_CURRENT[(cap & 0x1c0) >> 6]}mA ` +
    `PME(D0${fl(cap, 0x800)},D1${fl(cap, 0x1000)},D2${fl(cap, 0x2000)},D3hot${fl(cap, 0x4000)},D3cold${fl(cap, 0x8000)})\n`;
  if (!avail(cs, off + 4, 4)) return s;
  const t = rd16(cs, off + 4);
  s += `\t\tStatus: D${t & 3} NoSoftRst${fl(t, 8)} PME-Enable${fl(t, 0x100)} DSel=${(t & 0x1e00) >> 9} DScale=${(t & 0x6000) >> 13} PME${fl(t, 0x8000)}\n`;
  // PMCSR_BSE: BPCC_En (0x80); B2_B3 (0x40) set means B2, so "B3+" when it is clear
  const b = rd8(cs, off + 6);
  if (b) s += `\t\tBridge: PM${fl(b, 0x80)} B3${fl(~b, 0x40)}\n`;
  return s;
}

/** Lines after the `MSI: Enable…` title. */
export function msiBody(cs: ConfigSpace, off: number): string {
  const cap = rd16(cs, off + 2);
  const is64 = (cap & 0x80) !== 0;
  if (!avail(cs, off + 4, (is64 ? 0x0c : 0x08) + 2 - 4)) return '';
  let s = '\t\tAddress: ';
  let data: number;
  if (is64) {
    s += h8(rd32(cs, off + 8));
    data = rd16(cs, off + 0x0c);
  } else data = rd16(cs, off + 8);
  s += `${h8(rd32(cs, off + 4))}  Data: ${h4(data)}\n`;
  if (cap & 0x100) {
    const m = is64 ? 0x10 : 0x0c;
    if (!avail(cs, off + m, 8)) return s;
    s += `\t\tMasking: ${h8(rd32(cs, off + m))}  Pending: ${h8(rd32(cs, off + m + 4))}\n`;
  }
  return s;
}

/** Lines after the `MSI-X: Enable…` title. */
export function msixBody(cs: ConfigSpace, off: number): string {
  if (!avail(cs, off + 4, 8)) return '';
  const t = rd32(cs, off + 4);
  const p = rd32(cs, off + 8);
  return `\t\tVector table: BAR=${t & 7} offset=${h8((t & ~7) >>> 0)}\n\t\tPBA: BAR=${p & 7} offset=${h8((p & ~7) >>> 0)}\n`;
}

/** PCI Advanced Features (0x13) body (cap_af). */
export function afBody(cs: ConfigSpace, off: number): string {
  if (!avail(cs, off + 3, 3)) return '';
  return `\t\tAFCap: TP${fl(rd8(cs, off + 3), 1)} FLR${fl(rd8(cs, off + 3), 2)}\n\t\tAFCtrl: FLR${fl(rd8(cs, off + 4), 1)}\n\t\tAFStatus: TP${fl(rd8(cs, off + 5), 1)}\n`;
}

/** HyperTransport MSI Mapping body: the address base when the mapping is not fixed. */
export function htBody(cs: ConfigSpace, off: number): string {
  const cmd = rd16(cs, off + 2);
  if ((cmd & 0xe000) === 0 || (cmd & 0xe000) === 0x2000 || (cmd & 0xf800) !== 0xa800 || cmd & 2) return '';
  if (!avail(cs, off + 4, 8)) return '';
  const lo = rd32(cs, off + 4);
  const hi = rd32(cs, off + 8);
  return `\t\tMapping Address Base: ${h8(hi)}${h8((lo & ~0xfffff) >>> 0)}\n`;
}

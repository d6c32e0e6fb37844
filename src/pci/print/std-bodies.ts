// Bodies of the Power Management (0x01), MSI (0x05) and MSI-X (0x11) capabilities as pciutils
// 3.9.0 prints them at -vv (ls-caps.c cap_pm, cap_msi, cap_msix). Register layout:
// include/uapi/linux/pci_regs.h PCI_PM_*, PCI_MSI_*, PCI_MSIX_*.
import { avail, rd16, rd32, rd8 } from '../config.js';
import type { ConfigSpace } from '../types.js';
import { fl, h2, h4, h8 } from './fmt.js';

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


const MAX_OUTSTANDING = [1, 2, 3, 4, 8, 12, 16, 32];

/** PCI-X (0x07) body: cap_pcix_nobridge / cap_pcix_bridge by header type. */
export function pcixBody(cs: ConfigSpace, off: number): string {
  const ht = rd8(cs, 0x0e) & 0x7f;
  if (ht === 0) {
    if (!avail(cs, off + 4, 4)) return '';
    const c = rd16(cs, off + 2);
    const st = rd32(cs, off + 4);
    return (
      `\t\tCommand: DPERE${fl(c, 1)} ERO${fl(c, 2)} RBC=${1 << (9 + ((c & 0xc) >> 2))} OST=${MAX_OUTSTANDING[(c & 0x70) >> 4]}\n` +
      `\t\tStatus: Dev=${h2((st & 0xff00) >>> 8)}:${h2((st & 0xf8) >>> 3)}.${st & 7} 64bit${fl(st, 0x10000)} 133MHz${fl(st, 0x20000)} SCD${fl(st, 0x40000)} USC${fl(st, 0x80000)} ` +
      `DC=${st & 0x100000 ? 'bridge' : 'simple'} DMMRBC=${1 << (9 + ((st & 0x600000) >>> 21))} DMOST=${MAX_OUTSTANDING[(st & 0x3800000) >>> 23]} DMCRS=${1 << (3 + ((st & 0x1c000000) >>> 26))} ` +
      `RSCEM${fl(st, 0x20000000)} 266MHz${fl(st, 0x40000000)} 533MHz${fl(st, 0x80000000)}\n`
    );
  }
  if (ht !== 1 || !avail(cs, off + 4, 12)) return '';
  const FREQ = ['conv', '66MHz', '100MHz', '133MHz', '?4', '?5', '?6', '?7'];
  const sec = rd16(cs, off + 2);
  const st = rd32(cs, off + 4);
  const up = rd32(cs, off + 8);
  const down = rd32(cs, off + 12);
  return (
    `\t\tSecondary Status: 64bit${fl(sec, 1)} 133MHz${fl(sec, 2)} SCD${fl(sec, 4)} USC${fl(sec, 8)} SCO${fl(sec, 0x10)} SRD${fl(sec, 0x20)} Freq=${FREQ[(sec & 0x1c0) >> 6]}\n` +
    `\t\tStatus: Dev=${h2((st & 0xff00) >>> 8)}:${h2((st & 0xf8) >>> 3)}.${st & 7} 64bit${fl(st, 0x10000)} 133MHz${fl(st, 0x20000)} SCD${fl(st, 0x40000)} USC${fl(st, 0x80000)} SCO${fl(st, 0x100000)} SRD${fl(st, 0x200000)}\n` +
    `\t\tUpstream: Capacity=${up & 0xffff} CommitmentLimit=${(up >>> 16) & 0xffff}\n` +
    `\t\tDownstream: Capacity=${down & 0xffff} CommitmentLimit=${(down >>> 16) & 0xffff}\n`
  );
}

/** format_agp_rate: "x1,x2,x4" (AGP3: x4,x8), or "<none>". */
function agpRate(rate: number, agp3: boolean): string {
  const r: string[] = [];
  for (let i = 0; i <= 2; i++) if (rate & (1 << i)) r.push(`x${1 << (i + (agp3 ? 2 : 0))}`);
  return r.length ? r.join(',') : '<none>';
}

/** AGP (0x02) body (cap_agp). */
export function agpBody(cs: ConfigSpace, off: number): string {
  if (!avail(cs, off + 4, 8)) return '';
  const ver = (rd16(cs, off + 2) >> 4) & 0xf;
  const t = rd32(cs, off + 4);
  const agp3 = ver >= 3 && (t & 8) !== 0;
  const c = rd32(cs, off + 8);
  return (
    `\t\tStatus: RQ=${(t >>> 24) + 1} Iso${fl(t, 0x10000)} ArqSz=${(t & 0xe000) >> 13} Cal=${(t & 0x1c00) >> 10} SBA${fl(t, 0x200)} ITACoh${fl(t, 0x100)} GART64${fl(t, 0x80)} HTrans${fl(t, 0x40)} 64bit${fl(t, 0x20)} FW${fl(t, 0x10)} AGP3${fl(t, 8)} Rate=${agpRate(t & 7, agp3)}\n` +
    `\t\tCommand: RQ=${(c >>> 24) + 1} ArqSz=${(c & 0xe000) >> 13} Cal=${(c & 0x1c00) >> 10} SBA${fl(c, 0x200)} AGP${fl(c, 0x100)} GART64${fl(c, 0x80)} 64bit${fl(c, 0x20)} FW${fl(c, 0x10)} Rate=${agpRate(c & 7, agp3)}\n`
  );
}

function eaProperty(p: number, secondary: boolean): string | null {
  switch (p) {
    case 0x00: return 'memory space, non-prefetchable';
    case 0x01: return 'memory space, prefetchable';
    case 0x02: return 'I/O space';
    case 0x03: return 'VF memory space, prefetchable';
    case 0x04: return 'VF memory space, non-prefetchable';
    case 0x05: return 'allocation behind bridge, non-prefetchable memory';
    case 0x06: return 'allocation behind bridge, prefetchable memory';
    case 0x07: return 'allocation behind bridge, I/O space';
    case 0xfd: return 'memory space resource unavailable for use';
    case 0xfe: return 'I/O space resource unavailable for use';
    case 0xff: return secondary ? 'entry unavailable for use, PrimaryProperties should be used' : 'entry unavailable for use';
    default: return null;
  }
}

/** Enhanced Allocation (0x14) entries (cap_ea; the title line is in std-caps.ts). */
export function eaBody(cs: ConfigSpace, off: number): string {
  const n = rd16(cs, off + 2) & 0x3f;
  let base = off + 4;
  if ((rd8(cs, 0x0e) & 0x7f) === 1) {
    if (!avail(cs, off + 4, 2)) return '';
    base += 4;
  }
  let s = '';
  for (let e = 0; e < n; e++) {
    if (!avail(cs, base, 4)) return s;
    const h = rd32(cs, base);
    const es = h & 7;
    const bei = (h >>> 4) & 0xf;
    const pp = (h >>> 8) & 0xff;
    const sp = (h >>> 16) & 0xff;
    if (!avail(cs, base + 4, es * 4)) return s;
    s += `\t\tEntry ${e}: Enable${fl(h, 0x80000000)} Writable${fl(h, 0x40000000)} EntrySize=${es}\n`;
    s += '\t\t\t BAR Equivalent Indicator: ';
    s += bei <= 5 ? `BAR ${bei}` : bei === 6 ? 'resource behind function' : bei === 7 ? 'not indicated' : bei === 8 ? 'expansion ROM' : bei <= 14 ? `VF-BAR ${bei - 9}` : 'reserved';
    s += '\n';
    s += `\t\t\t PrimaryProperties: ${eaProperty(pp, false) ?? `[${h2(pp)}]`}\n`;
    s += `\t\t\t SecondaryProperties: ${eaProperty(sp, true) ?? `[${h2(sp)}]`}\n`;
    let b = rd32(cs, base + 4);
    const baseHigh = (b & 2) !== 0;
    b = (b & ~3) >>> 0;
    let m = rd32(cs, base + 8);
    const maxHigh = (m & 2) !== 0;
    m = (m | 3) >>> 0;
    let maxHighPos = base + 12;
    s += '\t\t\t Base: ';
    if (baseHigh) {
      s += (avail(cs, base + 12, 4) ? rd32(cs, base + 12) : 0).toString(16);
      maxHighPos += 4;
    }
    s += `${h8(b)}\n\t\t\t MaxOffset: `;
    if (maxHigh) s += (avail(cs, maxHighPos, 4) ? rd32(cs, maxHighPos) : 0).toString(16);
    s += `${h8(m)}\n`;
    base += 4 + 4 * es;
  }
  return s;
}

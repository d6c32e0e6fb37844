// Bodies of further extended capabilities as pciutils 3.9.0 prints them at -vv (ls-ecaps.c
// cap_tph, cap_ltr, cap_sec, cap_dpc, cap_vc, cap_rclink, cap_l1pm, cap_ptm, cap_rebar,
// cap_doe). Register layouts: include/uapi/linux/pci_regs.h (PCI_TPH_*, PCI_LTR_*, PCI_EXP_DPC_*,
// PCI_VC_*, PCI_L1SS_*, PCI_PTM_*, PCI_REBAR_*, PCI_DOE_*), as pciutils lib/header.h names them.
import { avail, rd16, rd32 } from '../config.js';
import type { ConfigSpace } from '../types.js';
import { fl, h2, h4, h8, hx } from './fmt.js';

const bits = (x: number, at: number, n: number): number => (x >>> at) & ((1 << n) - 1);

export function tphText(cs: ConfigSpace, off: number, verbose: number): string {
  let s = 'Transaction Processing Hints\n';
  if (verbose < 2 || !avail(cs, off + 4, 4)) return s;
  const c = rd32(cs, off + 4);
  if (c & 0x2) s += '\t\tInterrupt vector mode supported\n';
  if (c & 0x4) s += '\t\tDevice specific mode supported\n';
  if (c & 0x100) s += '\t\tExtended requester support\n';
  const loc = c & 0x600;
  s += loc === 0 ? '\t\tNo steering table available\n' : loc === 0x200 ? '\t\tSteering table in TPH capability structure\n' : loc === 0x400 ? '\t\tSteering table in MSI-X table\n' : '\t\tReserved steering table location\n';
  return s;
}

/** cap_ltr_scale: `1 << (scale * 5)` in C int arithmetic; for the reserved scales 6 and 7 the
 * shift count wraps as x86 does (1 << 35 gives 8), which live lspci prints. */
const ltrScale = (scale: number): bigint => BigInt((1 << ((scale * 5) & 31)) >>> 0);

export function ltrText(cs: ConfigSpace, off: number, verbose: number): string {
  let s = 'Latency Tolerance Reporting\n';
  if (verbose < 2 || !avail(cs, off + 4, 4)) return s;
  const sn = rd16(cs, off + 4);
  const ns = rd16(cs, off + 6);
  s += `\t\tMax snoop latency: ${BigInt(sn & 0x3ff) * ltrScale((sn >> 10) & 7)}ns\n`;
  s += `\t\tMax no snoop latency: ${BigInt(ns & 0x3ff) * ltrScale((ns >> 10) & 7)}ns\n`;
  return s;
}

export function secText(cs: ConfigSpace, off: number, verbose: number): string {
  let s = 'Secondary PCI Express\n';
  if (verbose < 2 || !avail(cs, off + 4, 12)) return s;
  const c3 = rd16(cs, off + 4);
  s += `\t\tLnkCtl3: LnkEquIntrruptEn${fl(c3, 2)} PerformEqu${fl(c3, 1)}\n`;
  let e = rd16(cs, off + 8);
  s += '\t\tLaneErrStat: ';
  if (e) {
    s += 'LaneErr at lane:';
    for (let lane = 0; e; e >>= 1, lane++) if (e & 1) s += ` ${lane}`;
  } else s += '0';
  return s + '\n';
}

export function dpcText(cs: ConfigSpace, off: number, verbose: number): string {
  let s = 'Downstream Port Containment\n';
  if (verbose < 2 || !avail(cs, off + 4, 8)) return s;
  const c = rd16(cs, off + 4);
  s += `\t\tDpcCap:\tINT Msg #${c & 0x1f}, RPExt${fl(c, 0x20)} PoisonedTLP${fl(c, 0x40)} SwTrigger${fl(c, 0x80)} RP PIO Log ${(c >> 8) & 0xf}, DL_ActiveErr${fl(c, 0x1000)}\n`;
  const t = rd16(cs, off + 6);
  s += `\t\tDpcCtl:\tTrigger:${(t & 3).toString(16)} Cmpl${fl(t, 4)} INT${fl(t, 8)} ErrCor${fl(t, 0x10)} PoisonedTLP${fl(t, 0x20)} SwTrigger${fl(t, 0x40)} DL_ActiveErr${fl(t, 0x80)}\n`;
  const st = rd16(cs, off + 8);
  s += `\t\tDpcSta:\tTrigger${fl(st, 1)} Reason:${h2((st >> 1) & 3)} INT${fl(st, 8)} RPBusy${fl(st, 0x10)} TriggerExt:${h2((st >> 5) & 3)} RP PIO ErrPtr:${h2((st >> 8) & 0x1f)}\n`;
  return s + `\t\tSource:\t${h4(rd16(cs, off + 0xa))}\n`;
}

/** TABLE(): the name, or "??N" past the table's end. */
const table = (t: readonly string[], x: number): string => (x < t.length ? t[x] : `??${x}`);

export function vcText(cs: ConfigSpace, off: number, verbose: number): string {
  let s = 'Virtual Channel\n';
  if (verbose < 2 || !avail(cs, off + 4, 0x1c - 4)) return s;
  const arbSel = ['Fixed', 'WRR32', 'WRR64', 'WRR128', '??4', '??5', '??6', '??7'];
  const vcArbSel = ['Fixed', 'WRR32', 'WRR64', 'WRR128', 'TWRR128', 'WRR256', '??6', '??7'];
  const cr1 = rd32(cs, off + 4);
  const cr2 = rd32(cs, off + 8);
  const ctrl = rd16(cs, off + 0xc);
  const status = rd16(cs, off + 0xe);
  const evc = bits(cr1, 0, 3);
  s += `\t\tCaps:\tLPEVC=${bits(cr1, 4, 3)} RefClk=${table(['100ns'], bits(cr1, 8, 2))} PATEntryBits=${1 << bits(cr1, 10, 2)}\n`;
  s += '\t\tArb:';
  for (let i = 0; i < 8; i++) if (arbSel[i][0] !== '?' || cr2 & (1 << i)) s += `${i ? ' ' : '\t'}${arbSel[i]}${fl(cr2, 1 << i)}`;
  let pat = bits(cr2, 24, 8);
  s += `\n\t\tCtrl:\tArbSelect=${table(arbSel, bits(ctrl, 1, 3))}\n`;
  s += `\t\tStatus:\tInProgress${fl(status, 1)}\n`;
  if (pat) {
    pat = off + 16 * pat;
    s += `\t\tPort Arbitration Table [${pat.toString(16)}] <?>\n`;
  }
  for (let i = 0; i <= evc; i++) {
    const pos = off + 0x10 + 12 * i;
    s += `\t\tVC${i}:\t`;
    if (!avail(cs, pos, 12)) {
      s += '<unreadable>\n';
      continue;
    }
    const rcap = rd32(cs, pos);
    const rctrl = rd32(cs, pos + 4);
    const rstatus = rd16(cs, pos + 10);
    const patPos = bits(rcap, 24, 8);
    s += `Caps:\tPATOffset=${h2(patPos)} MaxTimeSlots=${bits(rcap, 16, 7) + 1} RejSnoopTrans${fl(rcap, 1 << 15)}\n`;
    s += '\t\t\tArb:';
    for (let j = 0; j < 8; j++) if (vcArbSel[j][0] !== '?' || rcap & (1 << j)) s += `${j ? ' ' : '\t'}${vcArbSel[j]}${fl(rcap, 1 << j)}`;
    s += `\n\t\t\tCtrl:\tEnable${fl(rctrl, 0x80000000)} ID=${bits(rctrl, 24, 3)} ArbSelect=${table(vcArbSel, bits(rctrl, 17, 3))} TC/VC=${h2(bits(rctrl, 0, 8))}\n`;
    s += `\t\t\tStatus:\tNegoPending${fl(rstatus, 2)} InProgress${fl(rstatus, 1)}\n`;
    if (patPos) s += '\t\t\tPort Arbitration Table <?>\n';
  }
  return s;
}

export function rclinkText(cs: ConfigSpace, off: number, verbose: number): string {
  let s = 'Root Complex Link\n';
  if (verbose < 2 || !avail(cs, off + 4, 0x10 - 4)) return s;
  const esd = rd32(cs, off + 4);
  const links = bits(esd, 8, 8);
  s += `\t\tDesc:\tPortNumber=${h2(bits(esd, 24, 8))} ComponentID=${h2(bits(esd, 16, 8))} EltType=${table(['Config', 'Egress', 'Internal'], bits(esd, 0, 8))}\n`;
  for (let i = 0; i < links; i++) {
    const pos = off + 0x10 + i * 16;
    s += `\t\tLink${i}:\t`;
    if (!avail(cs, pos, 16)) return s + '<unreadable>\n';
    const desc = rd32(cs, pos);
    const lo = rd32(cs, pos + 8);
    const hi = rd32(cs, pos + 12);
    s += `Desc:\tTargetPort=${h2(bits(desc, 24, 8))} TargetComponent=${h2(bits(desc, 16, 8))} AssocRCRB${fl(desc, 4)} LinkType=${desc & 2 ? 'Config' : 'MemMapped'} LinkValid${fl(desc, 1)}\n`;
    if (desc & 2) {
      const n = lo & 7 || 8;
      s += `\t\t\tAddr:\t${h2(bits(lo, 20, n))}:${h2(bits(lo, 15, 5))}.${bits(lo, 12, 3)}  CfgSpace=${h8(hi)}${h8(lo)}\n`;
    } else s += `\t\t\tAddr:\t${h8(hi)}${h8(lo)}\n`;
  }
  return s;
}

const pwrOn = (scale: number, value: number): number => (scale === 0 ? 2 * value : scale === 1 ? 10 * value : scale === 2 ? 100 * value : -1);

export function l1pmText(cs: ConfigSpace, off: number, verbose: number): string {
  let s = 'L1 PM Substates\n';
  if (verbose < 2) return s;
  if (!avail(cs, off + 4, 12)) return s + '\t\t<unreadable>\n';
  const cap = rd32(cs, off + 4);
  const l12 = (cap & 1) !== 0 || (cap & 4) !== 0;
  s += `\t\tL1SubCap: PCI-PM_L1.2${fl(cap, 1)} PCI-PM_L1.1${fl(cap, 2)} ASPM_L1.2${fl(cap, 4)} ASPM_L1.1${fl(cap, 8)} L1_PM_Substates${fl(cap, 0x10)}\n`;
  if (l12) {
    const t = pwrOn(bits(cap, 16, 2), bits(cap, 19, 5));
    s += `\t\t\t  PortCommonModeRestoreTime=${bits(cap, 8, 8)}us ${t !== -1 ? `PortTPowerOnTime=${t}us` : 'PortTPowerOnTime=<error>'}\n`;
  }
  let v = rd32(cs, off + 8);
  s += `\t\tL1SubCtl1: PCI-PM_L1.2${fl(v, 1)} PCI-PM_L1.1${fl(v, 2)} ASPM_L1.2${fl(v, 4)} ASPM_L1.1${fl(v, 8)}\n`;
  if (l12) {
    s += `\t\t\t   T_CommonMode=${bits(v, 8, 8)}us`;
    if (cap & 4) {
      const scale = bits(v, 29, 3);
      s += scale > 5 ? ' LTR1.2_Threshold=<error>' : ` LTR1.2_Threshold=${BigInt(bits(v, 16, 10)) * ltrScale(scale)}ns`;
    }
    s += '\n';
  }
  v = rd32(cs, off + 0xc);
  s += '\t\tL1SubCtl2:';
  if (l12) {
    const t = pwrOn(bits(v, 0, 2), bits(v, 3, 5));
    s += t !== -1 ? ` T_PwrOn=${t}us` : ' T_PwrOn=<error>';
  }
  return s + '\n';
}

export function ptmText(cs: ConfigSpace, off: number, verbose: number): string {
  let s = 'Precision Time Measurement\n';
  if (verbose < 2) return s;
  if (!avail(cs, off + 4, 8)) return s + '\t\t<unreadable>\n';
  let b = rd32(cs, off + 4);
  s += `\t\tPTMCap: Requester:${fl(b, 1)} Responder:${fl(b, 2)} Root:${fl(b, 4)}\n`;
  let clock = bits(b, 8, 8);
  s += `\t\tPTMClockGranularity: ${clock === 0 ? 'Unimplemented' : clock === 0xff ? 'Greater than 254ns' : `${clock}ns`}\n`;
  b = rd32(cs, off + 8);
  s += `\t\tPTMControl: Enabled:${fl(b, 1)} RootSelected:${fl(b, 2)}\n`;
  clock = bits(b, 8, 8);
  return s + `\t\tPTMEffectiveGranularity: ${clock === 0 ? 'Unknown' : clock === 0xff ? 'Greater than 254ns' : `${clock}ns`}\n`;
}

function rebarSize(ld2: number): string {
  if (ld2 >= 0 && ld2 < 10) return ` ${1 << ld2}MB`;
  if (ld2 >= 10 && ld2 < 20) return ` ${1 << (ld2 - 10)}GB`;
  if (ld2 >= 20 && ld2 < 30) return ` ${1 << (ld2 - 20)}TB`;
  if (ld2 >= 30 && ld2 < 40) return ` ${1 << (ld2 - 30)}PB`;
  if (ld2 >= 40 && ld2 < 44) return ` ${1 << (ld2 - 40)}EB`;
  return ' <unknown>';
}

export function rebarText(cs: ConfigSpace, off: number, verbose: number, virtual: boolean): string {
  let s = `${virtual ? 'Virtual' : 'Physical'} Resizable BAR\n`;
  if (verbose < 2) return s;
  let where = off;
  let numBars = 1;
  for (let n = 0; n < numBars; n++) {
    where += 4;
    if (!avail(cs, where, 8)) return s + '\t\t<unreadable>\n';
    const sizes = rd32(cs, where) >>> 4;
    where += 4;
    const ctrl = rd32(cs, where);
    const idx = bits(ctrl, 0, 3);
    const cur = bits(ctrl, 8, 6);
    const ext = bits(ctrl, 16, 16);
    if (n === 0) {
      numBars = bits(ctrl, 5, 3);
      if (numBars < 1 || numBars > 6) {
        s += `\t\t<error in resizable BAR: num_bars=${numBars} is out of specification>\n`;
        break;
      }
    }
    s += `\t\tBAR ${idx}: current size:${rebarSize(cur)}`;
    if (sizes || ext) {
      s += ', supported:';
      for (let i = 0; i < 28; i++) if (sizes & (1 << i)) s += rebarSize(i);
      for (let i = 0; i < 16; i++) if (ext & (1 << i)) s += rebarSize(i + 28);
    }
    s += '\n';
  }
  return s;
}

export function doeText(cs: ConfigSpace, off: number, verbose: number): string {
  let s = 'Data Object Exchange\n';
  if (verbose < 2 || !avail(cs, off + 4, 12)) return s;
  const c = rd32(cs, off + 4);
  s += `\t\tDOECap: IntSup${fl(c, 1)}\n`;
  if (c & 1) s += `\t\t\tInterrupt Message Number ${hx(bits(c, 1, 11), 3)}\n`;
  const t = rd32(cs, off + 8);
  s += `\t\tDOECtl: IntEn${fl(t, 2)}\n`;
  const st = rd32(cs, off + 0xc);
  // measured on live lspci 3.9.0 (one status bit at a time): "Error" follows bits 0-1, not the
  // spec's DOE Error bit 2 (pci_regs.h PCI_DOE_STATUS_ERROR) — reproduced as lspci prints it
  return s + `\t\tDOESta: Busy${fl(st, 1)} IntSta${fl(st, 2)} Error${fl(st, 3)} ObjectReady${fl(st, 0x80000000)}\n`;
}


const hx16 = (v: bigint): string => BigInt.asUintN(64, v).toString(16).padStart(16, '0');
const rd64 = (cs: ConfigSpace, o: number): bigint => (BigInt(rd32(cs, o + 4)) << 32n) | BigInt(rd32(cs, o));

/** Multicast (0x12, cap_multicast). `type` is the PCIe Device/Port Type. As in lspci, the
 * McastCap line ends without a newline for ports other than root/upstream/downstream. */
export function multicastText(cs: ConfigSpace, off: number, verbose: number, type: number): string {
  let s = 'Multicast\n';
  if (verbose < 2 || !avail(cs, off + 4, 0x30)) return s;
  const ep = type === 0 || type === 9;
  const port = type === 4 || type === 5 || type === 6;
  let w = rd16(cs, off + 4);
  s += `\t\tMcastCap: MaxGroups ${(w & 0x3f) + 1}`;
  // `1 << n` in C int arithmetic (x86 wraps the shift count)
  if (ep) s += `, WindowSz ${(w >> 8) & 0x3f} (${1 << ((w >> 8) & 0x3f & 31)} bytes)`;
  if (port) s += `, ECRCRegen${fl(w, 0x8000)}\n`;
  w = rd16(cs, off + 6);
  s += `\t\tMcastCtl: NumGroups ${(w & 0x3f) + 1}, Enable${fl(w, 0x8000)}\n`;
  const bar = rd64(cs, off + 8);
  s += `\t\tMcastBAR: IndexPos ${Number(bar & 0x3fn)}, BaseAddr ${hx16(bar & ~0xfffn)}\n`;
  s += `\t\tMcastReceiveVec:      ${hx16(rd64(cs, off + 0x10))}\n`;
  s += `\t\tMcastBlockAllVec:     ${hx16(rd64(cs, off + 0x18))}\n`;
  s += `\t\tMcastBlockUntransVec: ${hx16(rd64(cs, off + 0x20))}\n`;
  if (ep) return s;
  const ovl = rd64(cs, off + 0x28);
  const size = Number(ovl & 0x3fn);
  s += `\t\tMcastOverlayBAR: OverlaySize ${size} ${size >= 6 ? `(${1 << (size & 31)} bytes)` : '(disabled)'}, BaseAddr ${hx16(ovl & ~0x3fn)}\n`;
  return s;
}

/** Root Complex Event Collector Endpoint Association (0x07, cap_rcec). */
export function rcecText(cs: ConfigSpace, off: number, verbose: number): string {
  let s = 'Root Complex Event Collector Endpoint Association\n';
  if (verbose < 2 || !avail(cs, off, 12)) return s;
  const ver = (rd32(cs, off) >>> 16) & 0xf;
  const bmap = rd32(cs, off + 4);
  s += '\t\tRCiEPBitmap: ';
  if (bmap) {
    s += 'RCiEP at Device(s):';
    let prevMatched = false;
    let adj = 0;
    let prev = 0;
    for (let dev = 0; dev < 32; dev++) {
      if ((bmap >>> dev) & 1) {
        if (!adj) s += `${prevMatched ? ',' : ''} ${dev}`;
        adj++;
        prev = dev;
        prevMatched = true;
      } else {
        if (adj > 1) s += `-${prev}`;
        adj = 0;
      }
    }
  } else s += verbose > 2 ? '00000000 [none]' : '[none]';
  s += '\n';
  if (ver < 2) return s;
  const busn = rd32(cs, off + 8);
  const last = (busn >>> 16) & 0xff;
  const next = (busn >>> 8) & 0xff;
  if (last === 0 && next === 0xff) s += `\t\tAssociatedBusNumbers: ${verbose > 2 ? 'ff-00 [none]' : '[none]'}\n`;
  else s += `\t\tAssociatedBusNumbers: ${h2(next)}-${h2(last)}\n`;
  return s;
}

// HyperTransport capability (id 0x08) bodies as pciutils 3.9.0 prints them at -vv (ls-caps.c
// cap_ht_pri, cap_ht_sec, cap_ht MSI mapping). Offsets and bits: pciutils lib/header.h PCI_HT_*
// (HyperTransport I/O Link Specification 3.00, 7.5). The secondary-interface body is checked by
// the random differential against live lspci (test/pci/differential.test.ts), not by a dump.
import { avail, rd16, rd32, rd8 } from '../config.js';
import type { ConfigSpace } from '../types.js';
import { fl, h2, h8 } from './fmt.js';

const WIDTH = ['8bit', '16bit', '[2]', '32bit', '2bit', '4bit', '[6]', 'N/C'];
const FREQ = ['200MHz', '300MHz', '400MHz', '500MHz', '600MHz', '800MHz', '1.0GHz', '1.2GHz', '1.4GHz', '1.6GHz', '[a]', '[b]', '[c]', '[d]', '[e]', 'Vend'];

const lctr = (w: number, rid: number): string =>
  `CFlE${fl(w, 2)} CST${fl(w, 4)} CFE${fl(w, 8)} <LkFail${fl(w, 0x10)} Init${fl(w, 0x20)} EOC${fl(w, 0x40)} TXO${fl(w, 0x80)} <CRCErr=${((w & 0xf00) >> 8).toString(16)}` +
  (rid >= 0x22 ? ` IsocEn${fl(w, 0x1000)} LSEn${fl(w, 0x2000)} ExtCTL${fl(w, 0x4000)} 64b${fl(w, 0x8000)}` : '');
const lcnf = (w: number, rid: number): string =>
  rid < 0x22
    ? `MLWI=${WIDTH[w & 7]} MLWO=${WIDTH[(w >> 4) & 7]} LWI=${WIDTH[(w >> 8) & 7]} LWO=${WIDTH[(w >> 12) & 7]}`
    : `MLWI=${WIDTH[w & 7]} DwFcIn${fl(w, 8)} MLWO=${WIDTH[(w >> 4) & 7]} DwFcOut${fl(w, 0x80)} LWI=${WIDTH[(w >> 8) & 7]} DwFcInEn${fl(w, 0x800)} LWO=${WIDTH[(w >> 12) & 7]} DwFcOutEn${fl(w, 0x8000)}`;
const lfrer = (b: number): string => `<Prot${fl(b, 0x10)} <Ovfl${fl(b, 0x20)} <EOC${fl(b, 0x40)} CTLTm${fl(b, 0x80)}`;
const lfcap = (w: number): string =>
  `200MHz${fl(w, 1)} 300MHz${fl(w, 2)} 400MHz${fl(w, 4)} 500MHz${fl(w, 8)} 600MHz${fl(w, 0x10)} 800MHz${fl(w, 0x20)} 1.0GHz${fl(w, 0x40)} 1.2GHz${fl(w, 0x80)} 1.4GHz${fl(w, 0x100)} 1.6GHz${fl(w, 0x200)} Vend${fl(w, 0x8000)}`;
const ftr = (b: number): string => `IsocFC${fl(b, 1)} LDTSTOP${fl(b, 2)} CRCTM${fl(b, 4)} ECTLT${fl(b, 8)} 64bA${fl(b, 0x10)} UIDRD${fl(b, 0x20)}`;
const eh = (w: number): string =>
  `PFlE${fl(w, 1)} OFlE${fl(w, 2)} PFE${fl(w, 4)} OFE${fl(w, 8)} EOCFE${fl(w, 0x10)} RFE${fl(w, 0x20)} CRCFE${fl(w, 0x40)} SERRFE${fl(w, 0x80)} CF${fl(w, 0x100)} RE${fl(w, 0x200)} PNFE${fl(w, 0x400)} ONFE${fl(w, 0x800)} EOCNFE${fl(w, 0x1000)} RNFE${fl(w, 0x2000)} CRCNFE${fl(w, 0x4000)} SERRNFE${fl(w, 0x8000)}`;
const rev = (rid: number): string => `\t\tRevision ID: ${(rid & 0xe0) >> 5}.${String(rid & 0x1f).padStart(2, '0')}\n`;

/** Slave or Primary Interface (cap_ht_pri). */
function pri(cs: ConfigSpace, off: number, cmd: number): string {
  if (!avail(cs, off + 4, 0x1c - 4)) return '';
  const rid = rd8(cs, off + 0x0c);
  let s = rid < 0x22 && rid > 0x11 ? '\t\t!!! Possibly incomplete decoding\n' : '';
  s += `\t\tCommand: BaseUnitID=${cmd & 0x1f} UnitCnt=${(cmd & 0x3e0) >> 5} MastHost${fl(cmd, 0x400)} DefDir${fl(cmd, 0x800)}${rid >= 0x22 ? ` DUL${fl(cmd, 0x1000)}` : ''}\n`;
  s += `\t\tLink Control 0: ${lctr(rd16(cs, off + 4), rid)}\n\t\tLink Config 0: ${lcnf(rd16(cs, off + 6), rid)}\n`;
  s += `\t\tLink Control 1: ${lctr(rd16(cs, off + 8), rid)}\n\t\tLink Config 1: ${lcnf(rd16(cs, off + 0xa), rid)}\n`;
  s += rev(rid);
  if (rid < 0x22) return s;
  const f0 = rd8(cs, off + 0x0d);
  s += `\t\tLink Frequency 0: ${FREQ[f0 & 0xf]}\n\t\tLink Error 0: ${lfrer(f0)}\n`;
  s += `\t\tLink Frequency Capability 0: ${lfcap(rd8(cs, off + 0x0e))}\n`;
  s += `\t\tFeature Capability: ${ftr(rd8(cs, off + 0x10))}\n`;
  const f1 = rd8(cs, off + 0x11);
  s += `\t\tLink Frequency 1: ${FREQ[f1 & 0xf]}\n\t\tLink Error 1: ${lfrer(f1)}\n`;
  s += `\t\tLink Frequency Capability 1: ${lfcap(rd8(cs, off + 0x12))}\n`;
  s += `\t\tError Handling: ${eh(rd16(cs, off + 0x16))}\n`;
  s += `\t\tPrefetchable memory behind bridge Upper: ${h2(rd8(cs, off + 0x18))}-${h2(rd8(cs, off + 0x19))}\n`;
  return s + `\t\tBus Number: ${h2(rd8(cs, off + 0x1a))}\n`;
}

/** Host or Secondary Interface (cap_ht_sec). */
function sec(cs: ConfigSpace, off: number, cmd: number): string {
  if (!avail(cs, off + 4, 0x18 - 4)) return '';
  const rid = rd8(cs, off + 8);
  let s = rid < 0x22 && rid > 0x11 ? '\t\t!!! Possibly incomplete decoding\n' : '';
  s +=
    rid >= 0x22
      ? `\t\tCommand: WarmRst${fl(cmd, 1)} DblEnd${fl(cmd, 2)} DevNum=${(cmd & 0x7c) >> 2} ChainSide${fl(cmd, 0x80)} HostHide${fl(cmd, 0x100)} Slave${fl(cmd, 0x400)} <EOCErr${fl(cmd, 0x800)} DUL${fl(cmd, 0x1000)}\n`
      : `\t\tCommand: WarmRst${fl(cmd, 1)} DblEnd${fl(cmd, 2)}\n`;
  s += `\t\tLink Control: ${lctr(rd16(cs, off + 4), rid)}\n\t\tLink Config: ${lcnf(rd16(cs, off + 6), rid)}\n`;
  s += rev(rid);
  if (rid < 0x22) return s;
  const f = rd8(cs, off + 9);
  s += `\t\tLink Frequency: ${FREQ[f & 0xf]}\n\t\tLink Error: ${lfrer(f)}\n`;
  s += `\t\tLink Frequency Capability: ${lfcap(rd8(cs, off + 0x0a))}\n`; // a u8 in lspci, as for the primary
  const t = rd16(cs, off + 0x0c);
  s += `\t\tFeature Capability: ${ftr(t)} ExtRS${fl(t, 0x100)} UCnfE${fl(t, 0x200)}\n`;
  if (t & 0x100) {
    // PCI_HT_SEC_EH 0x12, MBU 0x14, MLU 0x15 (after the enumeration scratchpad at 0x10)
    s += `\t\tError Handling: ${eh(rd16(cs, off + 0x12))}\n`;
    s += `\t\tPrefetchable memory behind bridge Upper: ${h2(rd8(cs, off + 0x14))}-${h2(rd8(cs, off + 0x15))}\n`;
  }
  return s;
}

/** Body lines of a HyperTransport capability at -vv. */
export function htBody(cs: ConfigSpace, off: number): string {
  const cmd = rd16(cs, off + 2);
  if ((cmd & 0xe000) === 0) return pri(cs, off, cmd);
  if ((cmd & 0xe000) === 0x2000) return sec(cs, off, cmd);
  // MSI mapping: the address base when the mapping is not fixed
  if ((cmd & 0xf800) !== 0xa800 || cmd & 2 || !avail(cs, off + 4, 8)) return '';
  return `\t\tMapping Address Base: ${h8(rd32(cs, off + 8))}${h8((rd32(cs, off + 4) & ~0xfffff) >>> 0)}\n`;
}

// PCI Express capability body (id 0x10) as pciutils 3.9.0 prints it at -vv (ls-caps.c
// cap_express, cap_express_dev/link/slot/root, cap_express_dev2/link2). Register layout:
// include/uapi/linux/pci_regs.h PCI_EXP_* (same offsets and bits as pciutils lib/header.h).
import { avail, rd16, rd32 } from '../config.js';
import type { PciFunction } from '../types.js';
import { fl, h4 } from './fmt.js';

// PCI_EXP_TYPE_*
const ENDPOINT = 0;
const LEG_END = 1;
const ROOT_PORT = 4;
const UPSTREAM = 5;
const DOWNSTREAM = 6;
const PCI_BRIDGE = 7;
const PCIE_BRIDGE = 8;
const ROOT_INT_EP = 9;
const ROOT_EC = 10;

const L0S = ['<64ns', '<128ns', '<256ns', '<512ns', '<1us', '<2us', '<4us', 'unlimited'];
const L1 = ['<1us', '<2us', '<4us', '<8us', '<16us', '<32us', '<64us', 'unlimited'];
const SPEED: Readonly<Record<number, string>> = { 1: '2.5GT/s', 2: '5GT/s', 3: '8GT/s', 4: '16GT/s', 5: '32GT/s', 6: '64GT/s' };
const ASPM_SUPPORT = ['not supported', 'L0s', 'L1', 'L0s L1'];
const ASPM_ENABLED = ['Disabled', 'L0s Enabled', 'L1 Enabled', 'L0s L1 Enabled'];
const INDICATOR = ['Unknown', 'On', 'Blink', 'Off'];
const TIMEOUT_RANGE: Readonly<Record<number, string>> = { 0: 'Not Supported', 1: 'Range A', 2: 'Range B', 3: 'Range AB', 6: 'Range BC', 7: 'Range ABC', 14: 'Range BCD', 15: 'Range ABCD' };
const TIMEOUT_VALUE: Readonly<Record<number, string>> = {
  0: '50us to 50ms', 1: '50us to 100us', 2: '1ms to 10ms', 5: '16ms to 55ms', 6: '65ms to 210ms', 9: '260ms to 900ms', 10: '1s to 3.5s', 13: '4s to 13s', 14: '17s to 64s',
};
const DEVCAP2_OBFF = ['Not Supported', 'Via message', 'Via WAKE#', 'Via message/WAKE#'];
const DEVCAP2_EPR = ['Not Supported', 'Dev Specific', 'Form Factor Dev Specific', 'Reserved'];
const DEVCAP2_LNCLS = ['Not Supported', '64byte cachelines', '128byte cachelines', 'Reserved'];
const DEVCAP2_TPH = ['TPHComp- ExtTPHComp-', 'TPHComp+ ExtTPHComp-', '', 'TPHComp+ ExtTPHComp+'];
const DEVCTL2_OBFF = ['Disabled', 'Via message A', 'Via message B', 'Via WAKE#'];
const LINK2_SPEED: Readonly<Record<number, string>> = { 0: '2.5GT/s', 1: '2.5GT/s', 2: '5GT/s', 3: '8GT/s', 4: '16GT/s', 5: '32GT/s', 6: '64GT/s' };
const DEEMPHASIS = ['-6dB', '-3.5dB'];
const PRESET = [
  '-6dB de-emphasis, 0dB preshoot', '-3.5dB de-emphasis, 0dB preshoot', '-4.4dB de-emphasis, 0dB preshoot', '-2.5dB de-emphasis, 0dB preshoot',
  '0dB de-emphasis, 0dB preshoot', '0dB de-emphasis, 1.9dB preshoot', '0dB de-emphasis, 2.5dB preshoot', '-6.0dB de-emphasis, 3.5dB preshoot',
  '-3.5dB de-emphasis, 3.5dB preshoot', '0dB de-emphasis, 3.5dB preshoot',
];
const CROSSLINK = ['unsupported', 'Upstream Port', 'Downstream Port', 'incomplete'];
const COMPONENT: Readonly<Record<number, string>> = { 0: 'Link Down - Not Determined', 1: 'Link Down - Not Present', 2: 'Link Down - Present', 4: 'Link Up - Present', 5: 'Link Up - Present and DRS Received' };

/** show_power_limit: `%gW`, with the PCIe 6.0 encodings above 239 at scale 0. */
function powerLimit(value: number, scale: number): string {
  if (scale === 0 && value === 0xff) return '>600W';
  if (scale === 0 && value >= 0xf0 && value <= 0xfe) value = 250 + 25 * (value - 0xf0);
  return `${fmtG(value * [1, 0.1, 0.01, 0.001][scale])}W`;
}

/** printf %g of a float (6 significant digits, trailing zeros dropped). lspci multiplies a
 * float scale, so 0.1f*3 = 0.3000000119 → "0.3": Math.fround mirrors the single precision. */
function fmtG(x: number): string {
  const f = Math.fround(x);
  if (f === 0) return '0';
  const s = f.toPrecision(6);
  if (s.includes('e')) {
    const [m, e] = s.split('e');
    const mm = m.includes('.') ? m.replace(/0+$/, '').replace(/\.$/, '') : m;
    const n = parseInt(e, 10);
    return `${mm}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

/** link_compare (3.9): nothing when equal, and nothing for a downgrade seen from a downstream port. */
function linkCompare(type: number, sta: number, cap: number): string {
  if (sta > cap) return ' (overdriven)';
  if (sta === cap) return '';
  if (type === ROOT_PORT || type === DOWNSTREAM || type === PCIE_BRIDGE) return '';
  return ' (downgraded)';
}

function dev(cs: PciFunction['config'], w0: number, type: number): string {
  const t = rd32(cs, w0 + 4);
  const ep = type === ENDPOINT || type === LEG_END;
  let s = `\t\tDevCap:\tMaxPayload ${128 << (t & 7)} bytes, PhantFunc ${(1 << ((t & 0x18) >> 3)) - 1}`;
  if (ep) s += `, Latency L0s ${L0S[(t & 0x1c0) >> 6]}, L1 ${L1[(t & 0xe00) >> 9]}`;
  s += `\n\t\t\tExtTag${fl(t, 0x20)}`;
  if (ep || type === UPSTREAM || type === PCI_BRIDGE) s += ` AttnBtn${fl(t, 0x1000)} AttnInd${fl(t, 0x2000)} PwrInd${fl(t, 0x4000)}`;
  s += ` RBE${fl(t, 0x8000)}`;
  const flr = ep || type === ROOT_INT_EP;
  if (flr) s += ` FLReset${fl(t, 0x10000000)}`;
  if (type === ENDPOINT || type === UPSTREAM || type === PCI_BRIDGE) s += ` SlotPowerLimit ${powerLimit((t & 0x3fc0000) >>> 18, (t & 0xc000000) >>> 26)}`;
  s += '\n';
  let w = rd16(cs, w0 + 8);
  s += `\t\tDevCtl:\tCorrErr${fl(w, 1)} NonFatalErr${fl(w, 2)} FatalErr${fl(w, 4)} UnsupReq${fl(w, 8)}\n`;
  s += `\t\t\tRlxdOrd${fl(w, 0x10)} ExtTag${fl(w, 0x100)} PhantFunc${fl(w, 0x200)} AuxPwr${fl(w, 0x400)} NoSnoop${fl(w, 0x800)}`;
  if (type === PCI_BRIDGE) s += ` BrConfRtry${fl(w, 0x8000)}`;
  if (flr && t & 0x10000000) s += ` FLReset${fl(w, 0x8000)}`;
  s += `\n\t\t\tMaxPayload ${128 << ((w & 0xe0) >> 5)} bytes, MaxReadReq ${128 << ((w & 0x7000) >> 12)} bytes\n`;
  w = rd16(cs, w0 + 0xa);
  s += `\t\tDevSta:\tCorrErr${fl(w, 1)} NonFatalErr${fl(w, 2)} FatalErr${fl(w, 4)} UnsupReq${fl(w, 8)} AuxPwr${fl(w, 0x10)} TransPend${fl(w, 0x20)}\n`;
  return s;
}

function link(cs: PciFunction['config'], w0: number, type: number): string {
  const t = rd32(cs, w0 + 0xc);
  const aspm = (t & 0xc00) >> 10;
  const capSpeed = t & 0xf;
  const capWidth = (t & 0x3f0) >> 4;
  let s = `\t\tLnkCap:\tPort #${t >>> 24}, Speed ${SPEED[capSpeed] ?? 'unknown'}, Width x${capWidth}, ASPM ${ASPM_SUPPORT[aspm]}`;
  if (aspm) {
    s += ', Exit Latency ';
    if (aspm & 1) s += `L0s ${L0S[(t & 0x7000) >> 12]}`;
    if (aspm & 2) s += `${aspm & 1 ? ', ' : ''}L1 ${L1[(t & 0x38000) >> 15]}`;
  }
  s += `\n\t\t\tClockPM${fl(t, 0x40000)} Surprise${fl(t, 0x80000)} LLActRep${fl(t, 0x100000)} BwNot${fl(t, 0x200000)} ASPMOptComp${fl(t, 0x400000)}\n`;
  let w = rd16(cs, w0 + 0x10);
  s += `\t\tLnkCtl:\tASPM ${ASPM_ENABLED[w & 3]};`;
  if (type === ROOT_PORT || type === ENDPOINT || type === LEG_END || type === PCI_BRIDGE) s += ` RCB ${w & 8 ? 128 : 64} bytes,`;
  s += ` Disabled${fl(w, 0x10)} CommClk${fl(w, 0x40)}\n\t\t\tExtSynch${fl(w, 0x80)} ClockPM${fl(w, 0x100)} AutWidDis${fl(w, 0x200)} BWInt${fl(w, 0x400)} AutBWInt${fl(w, 0x800)}\n`;
  w = rd16(cs, w0 + 0x12);
  const staSpeed = w & 0xf;
  const staWidth = (w & 0x3f0) >> 4;
  s += `\t\tLnkSta:\tSpeed ${SPEED[staSpeed] ?? 'unknown'}${linkCompare(type, staSpeed, capSpeed)}, Width x${staWidth}${linkCompare(type, staWidth, capWidth)}\n`;
  s += `\t\t\tTrErr${fl(w, 0x400)} Train${fl(w, 0x800)} SlotClk${fl(w, 0x1000)} DLActive${fl(w, 0x2000)} BWMgmt${fl(w, 0x4000)} ABWMgmt${fl(w, 0x8000)}\n`;
  return s;
}

function slot(cs: PciFunction['config'], w0: number): string {
  const t = rd32(cs, w0 + 0x14);
  let s = `\t\tSltCap:\tAttnBtn${fl(t, 1)} PwrCtrl${fl(t, 2)} MRL${fl(t, 4)} AttnInd${fl(t, 8)} PwrInd${fl(t, 0x10)} HotPlug${fl(t, 0x40)} Surprise${fl(t, 0x20)}\n`;
  s += `\t\t\tSlot #${t >>> 19}, PowerLimit ${powerLimit((t & 0x7f80) >> 7, (t & 0x18000) >> 15)}; Interlock${fl(t, 0x20000)} NoCompl${fl(t, 0x40000)}\n`;
  let w = rd16(cs, w0 + 0x18);
  s += `\t\tSltCtl:\tEnable: AttnBtn${fl(w, 1)} PwrFlt${fl(w, 2)} MRL${fl(w, 4)} PresDet${fl(w, 8)} CmdCplt${fl(w, 0x10)} HPIrq${fl(w, 0x20)} LinkChg${fl(w, 0x1000)}\n`;
  s += `\t\t\tControl: AttnInd ${INDICATOR[(w & 0xc0) >> 6]}, PwrInd ${INDICATOR[(w & 0x300) >> 8]}, Power${fl(w, 0x400)} Interlock${fl(w, 0x800)}\n`;
  w = rd16(cs, w0 + 0x1a);
  s += `\t\tSltSta:\tStatus: AttnBtn${fl(w, 1)} PowerFlt${fl(w, 2)} MRL${fl(w, 0x20)} CmdCplt${fl(w, 0x10)} PresDet${fl(w, 0x40)} Interlock${fl(w, 0x80)}\n`;
  s += `\t\t\tChanged: MRL${fl(w, 4)} PresDet${fl(w, 8)} LinkState${fl(w, 0x100)}\n`;
  return s;
}

function root(cs: PciFunction['config'], w0: number): string {
  let w = rd16(cs, w0 + 0x1e);
  let s = `\t\tRootCap: CRSVisible${fl(w, 1)}\n`;
  w = rd16(cs, w0 + 0x1c);
  s += `\t\tRootCtl: ErrCorrectable${fl(w, 1)} ErrNon-Fatal${fl(w, 2)} ErrFatal${fl(w, 4)} PMEIntEna${fl(w, 8)} CRSVisible${fl(w, 0x10)}\n`;
  const l = rd32(cs, w0 + 0x20);
  s += `\t\tRootSta: PME ReqID ${h4(l & 0xffff)}, PMEStatus${fl(l, 0x10000)} PMEPending${fl(l, 0x20000)}\n`;
  return s;
}

/** device_has_memory_space_bar: a memory BAR whose base (lib/generic.c pci_generic_fill_info:
 * the raw register, flags included; a 64-bit BAR takes the next dword) or size is non-zero.
 * Sizes exist only when sysfs `resource` gave them. */
function hasMemBar(fn: PciFunction, sizes?: readonly bigint[]): boolean {
  const cs = fn.config;
  const ht = cs.bytes[0x0e] & 0x7f;
  const cnt = ht === 0 ? 6 : ht === 1 ? 2 : ht === 2 ? 1 : 0;
  for (let i = 0; i < cnt; i++) {
    const x = rd32(cs, 0x10 + 4 * i);
    let base = x === 0xffffffff ? 0 : x;
    const is64 = base !== 0 && !(base & 1) && (base & 6) === 4;
    if (is64 && i >= cnt - 1) base = 0; // "Invalid 64-bit address seen for BAR": left unset
    const size = sizes?.[i] ?? 0n;
    if ((base || size) && !(base & 1)) return true;
    if (is64) i++;
  }
  return false;
}

function dev2(fn: PciFunction, w0: number, type: number, sizes?: readonly bigint[]): string {
  const cs = fn.config;
  const memBar = hasMemBar(fn, sizes);
  const l = rd32(cs, w0 + 0x24);
  let s = `\t\tDevCap2: Completion Timeout: ${TIMEOUT_RANGE[l & 0xf] ?? 'Unknown'}, TimeoutDis${fl(l, 0x10)} NROPrPrP${fl(l, 0x400)} LTR${fl(l, 0x800)}`;
  s += `\n\t\t\t 10BitTagComp${fl(l, 0x10000)} 10BitTagReq${fl(l, 0x20000)} OBFF ${DEVCAP2_OBFF[(l >>> 18) & 3]}, ExtFmt${fl(l, 0x100000)} EETLPPrefix${fl(l, 0x200000)}`;
  if (l & 0x200000) s += `, MaxEETLPPrefixes ${(l >>> 22) & 3 || 4}`;
  s += `\n\t\t\t EmergencyPowerReduction ${DEVCAP2_EPR[(l >>> 24) & 3]}, EmergencyPowerReductionInit${fl(l, 0x4000000)}`;
  s += `\n\t\t\t FRS${fl(l, 0x80000000)}`;
  if (type === ROOT_PORT) s += ` LN System CLS ${DEVCAP2_LNCLS[(l >>> 14) & 3]},`;
  if (type === ROOT_PORT || type === ENDPOINT) s += ` ${DEVCAP2_TPH[(l >>> 12) & 3]}`;
  s += type === ROOT_PORT || type === DOWNSTREAM ? ` ARIFwd${fl(l, 0x20)}\n` : '\n';
  const port = type === ROOT_PORT || type === UPSTREAM || type === DOWNSTREAM;
  if (port || memBar) {
    s += '\t\t\t AtomicOpsCap:';
    if (port) s += ` Routing${fl(l, 0x40)}`;
    if (type === ROOT_PORT || memBar) s += ` 32bit${fl(l, 0x80)} 64bit${fl(l, 0x100)} 128bitCAS${fl(l, 0x200)}`;
    s += '\n';
  }
  const w = rd16(cs, w0 + 0x28);
  s += `\t\tDevCtl2: Completion Timeout: ${TIMEOUT_VALUE[w & 0xf] ?? 'Unknown'}, TimeoutDis${fl(w, 0x10)} LTR${fl(w, 0x400)} 10BitTagReq${fl(w, 0x1000)} OBFF ${DEVCTL2_OBFF[(w >> 13) & 3]},`;
  s += type === ROOT_PORT || type === DOWNSTREAM ? ` ARIFwd${fl(w, 0x20)}\n` : '\n';
  const req = type === ROOT_PORT || type === ENDPOINT || type === ROOT_INT_EP || type === LEG_END;
  if (port || req) {
    s += '\t\t\t AtomicOpsCtl:';
    if (req) s += ` ReqEn${fl(w, 0x40)}`;
    if (port) s += ` EgressBlck${fl(w, 0x80)}`;
    s += '\n';
  }
  return s;
}

function speedCap(v: number): string {
  if (v & 0x60) return 'RsvdP';
  if (v & 0x10) return '2.5-32GT/s';
  if (v & 0x08) return '2.5-16GT/s';
  if (v & 0x04) return '2.5-8GT/s';
  if (v & 0x02) return '2.5-5GT/s';
  if (v & 0x01) return '2.5GT/s';
  return 'Unknown';
}

function link2(fn: PciFunction, w0: number, type: number): string {
  const cs = fn.config;
  let l = 0;
  let s = '';
  if (!((type === ENDPOINT || type === LEG_END) && (fn.bdf.dev !== 0 || fn.bdf.fn !== 0))) {
    // Link Capabilities 2 was reserved before PCIe r3.0
    l = rd32(cs, w0 + 0x2c);
    if (l) s += `\t\tLnkCap2: Supported Link Speeds: ${speedCap((l >>> 1) & 0x7f)}, Crosslink${fl(l, 0x100)} Retimer${fl(l, 0x800000)} 2Retimers${fl(l, 0x1000000)} DRS${fl(l, 0x80000000)}\n`;
    const w = rd16(cs, w0 + 0x30);
    s += `\t\tLnkCtl2: Target Link Speed: ${LINK2_SPEED[w & 0xf] ?? 'Unknown'}, EnterCompliance${fl(w, 0x10)} SpeedDis${fl(w, 0x20)}`;
    if (type === DOWNSTREAM) s += `, Selectable De-emphasis: ${DEEMPHASIS[(w >> 6) & 1]}`;
    s += `\n\t\t\t Transmit Margin: ${transMargin((w >> 7) & 7)}, EnterModifiedCompliance${fl(w, 0x400)} ComplianceSOS${fl(w, 0x800)}\n`;
    s += `\t\t\t Compliance Preset/De-emphasis: ${PRESET[(w >> 12) & 0xf] ?? 'Unknown'}\n`;
  }
  const w = rd16(cs, w0 + 0x32);
  s += `\t\tLnkSta2: Current De-emphasis Level: ${DEEMPHASIS[w & 1]}, EqualizationComplete${fl(w, 2)} EqualizationPhase1${fl(w, 4)}\n`;
  s += `\t\t\t EqualizationPhase2${fl(w, 8)} EqualizationPhase3${fl(w, 0x10)} LinkEqualizationRequest${fl(w, 0x20)}\n`;
  s += `\t\t\t Retimer${fl(w, 0x40)} 2Retimers${fl(w, 0x80)} CrosslinkRes: ${CROSSLINK[(w >> 8) & 3]}`;
  if ((type === ROOT_PORT || type === DOWNSTREAM || type === PCIE_BRIDGE) && l & 0x80000000) {
    s += `, DRS${fl(w, 0x8000)}\n\t\t\t DownstreamComp: ${COMPONENT[(w >> 12) & 7] ?? 'Reserved'}\n`;
  } else s += '\n';
  return s;
}

function transMargin(v: number): string {
  if (v === 0) return 'Normal Operating Range';
  if (v === 1) return '800-1200mV(full-swing)/400-700mV(half-swing)';
  if (v >= 2 && v <= 5) return '200-400mV(full-swing)/100-200mV(half-swing)';
  return 'Unknown';
}

/** The body lines of the Express capability at `off` (verbose >= 2), as cap_express does:
 * each group only when its registers were fetched (config_fetch sizes 16/24/32). `sizes` are
 * BAR sizes from sysfs `resource` when known. */
export function expressBody(fn: PciFunction, off: number, sizes?: readonly bigint[]): string {
  const cs = fn.config;
  const flags = rd16(cs, off + 2);
  const type = (flags >> 4) & 0xf;
  const isSlot = (type === ROOT_PORT || type === DOWNSTREAM || type === PCIE_BRIDGE) && (flags & 0x100) !== 0;
  const hasLink = type !== ROOT_INT_EP && type !== ROOT_EC;
  let size = isSlot ? 24 : 16;
  if (type === ROOT_PORT || type === ROOT_EC) size = 32;
  if (!avail(cs, off + 4, size)) return '';
  let s = dev(cs, off, type);
  if (hasLink) s += link(cs, off, type);
  if (isSlot) s += slot(cs, off);
  if (type === ROOT_PORT || type === ROOT_EC) s += root(cs, off);
  if ((flags & 0xf) < 2) return s;
  if (!avail(cs, off + 0x24, isSlot ? 24 : 16)) return s;
  s += dev2(fn, off, type, sizes);
  if (hasLink) s += link2(fn, off, type);
  return s;
}

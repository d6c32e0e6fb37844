// CXL DVSEC bodies (vendor 0x1e98) as lspci 3.9.0 prints them at -vv (ls-ecaps.c
// cap_dvsec_cxl and dvsec_cxl_*; quirks per pci-config-space.md §7, 3.9.0 wording).
import { rd16, rd32, rd8 } from '../config.js';
import type { ConfigSpace } from '../types.js';
import { fl, h16, h2, h4, h8, hx } from './fmt.js';

/** Caller has checked that `len` bytes at `off` are readable. */
export function printCxlDvsec(cs: ConfigSpace, off: number, id: number, rev: number, len: number, out: string[]): void {
  switch (id) {
    case 0: return device(cs, off, rev, len, out);
    case 2: return funcMap(cs, off, out);
    case 3: return port(cs, off, len, out);
    case 4: return gpfPort(cs, off, out);
    case 5: return gpfDevice(cs, off, out);
    case 7: return flexBus(cs, off, rev, out);
    case 8: return registerLocator(cs, off, len, out);
    case 9: return mld(cs, off, out);
    default:
      out.push(`\t\tUnknown ID ${h4(id)}\n`);
  }
}

const INTERLEAVE = [0, 256, 4096, 512, 1024, 2048, 8192, 16384];
const MEDIA = ['Volatile', 'Non-volatile', 'CDAT'];
const CLASS = ['DRAM', 'Storage', 'CDAT'];

function range(cs: ConfigSpace, r: number, n: number, out: string[]): void {
  const sizeLo = rd32(cs, r + 4);
  const size = (BigInt(rd32(cs, r)) << 32n) | BigInt((sizeLo & 0xf0000000) >>> 0);
  const base = (BigInt(rd32(cs, r + 8)) << 32n) | BigInt(rd32(cs, r + 0xc));
  const w = sizeLo & 0xffff;
  out.push(
    `\t\tRange${n}: ${h16(base)}-${h16(base + size - 1n)}\n` +
      `\t\t\tValid${fl(w, 1)} Active${fl(w, 2)} Type=${MEDIA[(w >> 2) & 7] ?? '<?>'} Class=${CLASS[(w >> 5) & 7] ?? '<?>'} ` +
      `interleave=${INTERLEAVE[(w >> 8) & 0x1f] ?? '<?>'} timeout=${1 << (((w >> 13) & 7) * 2)}s\n`,
  );
}

// PCIe DVSEC for CXL Devices (CXL 2.0 8.1.3); nothing for rev 0 or len < 56.
function device(cs: ConfigSpace, off: number, rev: number, len: number, out: string[]): void {
  if (rev < 1 || len < 0x38) return;
  const c = rd16(cs, off + 0x0a);
  const t = rd16(cs, off + 0x0c);
  const st = rd16(cs, off + 0x0e);
  const st2 = rd16(cs, off + 0x12);
  const c2 = rd16(cs, off + 0x16);
  let s =
    `\t\tCXLCap:\tCache${fl(c, 1)} IO${fl(c, 2)} Mem${fl(c, 4)} Mem HW Init${fl(c, 8)} HDMCount ${(c >> 4) & 3} Viral${fl(c, 0x4000)}\n` +
    `\t\tCXLCtl:\tCache${fl(t, 1)} IO${fl(t, 2)} Mem${fl(t, 4)} Cache SF Cov ${(t >> 3) & 0x1f} Cache SF Gran ${(t >> 8) & 7} Cache Clean${fl(t, 0x800)} Viral${fl(t, 0x4000)}\n` +
    `\t\tCXLSta:\tViral${fl(st, 0x4000)}\n` +
    `\t\tCXLSta2:\tResetComplete${fl(st2, 2)} ResetError${fl(st2, 4)} PMComplete${fl(st2, 0x8000)}\n`;
  const unit = c2 & 0xf;
  const size = (c2 >> 8) & 0xff;
  if (unit === 0) s += '\t\tCache Size Not Reported\n';
  else if (unit === 1) s += `\t\tCache Size: ${hx(size * 64 * 1024, 8)}\n`;
  else if (unit === 2) s += `\t\tCache Size: ${hx(size * 1024 * 1024, 8)}\n`;
  else s += `\t\tCache Size: ${size} of unknown unit size (${unit})\n`;
  out.push(s);
  range(cs, off + 0x18, 1, out);
  range(cs, off + 0x28, 2, out);
}

// Non-CXL Function Map (8.1.4): lspci reads each dword register as a word.
function funcMap(cs: ConfigSpace, off: number, out: string[]): void {
  for (let i = 0; i < 8; i++) out.push(`\t\tFuncMap ${i}: ${h8(rd16(cs, off + 0x0c + 4 * i))}\n`);
}

// CXL 2.0 Extensions DVSEC for Ports (8.1.5): PMComplete tested against mask 0x000a, and the
// memory base/limit labelled AlternateBus, as 3.9.0 does.
function port(cs: ConfigSpace, off: number, len: number, out: string[]): void {
  if (len < 0x28) return;
  const st = rd16(cs, off + 0x0a);
  const c = rd16(cs, off + 0x0c);
  out.push(
    `\t\tCXLPortSta:\tPMComplete${fl(st, 0x000a)}\n` +
      `\t\tCXLPortCtl:\tUnmaskSBR${fl(c, 1)} UnmaskLinkDisable${fl(c, 2)} AltMem${fl(c, 4)} AltBME${fl(c, 8)} ViralEnable${fl(c, 0x4000)}\n` +
      `\t\tAlternateBus:\t${h2(rd8(cs, off + 0x0e))}-${h2(rd8(cs, off + 0x0f))}\n` +
      `\t\tAlternateBus:\t${h4(rd16(cs, off + 0x10))}-${h4(rd16(cs, off + 0x12))}\n`,
  );
}

/** GPF time (8.1.6/8.1.7): base x {1,10,100}; us for scales 0-2, ms 3-5, s 6, <?> 7+. */
function gpfTime(w: number, out: string[]): string {
  const base = w & 0xf;
  const scale = (w >> 8) & 0xf;
  let v = base;
  if (scale === 2 || scale === 5) v = base * 100;
  else if (scale === 1 || scale === 4 || scale === 7) v = base * 10;
  else if (scale > 7) out.push(`\t\tReserved time scale encoding ${scale.toString(16)}\n`);
  return `${v}${scale < 3 ? 'us' : scale < 6 ? 'ms' : scale === 6 ? 's' : '<?>'}`;
}

function gpfPort(cs: ConfigSpace, off: number, out: string[]): void {
  const t1 = gpfTime(rd16(cs, off + 0x0c), out);
  out.push(`\t\tGPF Phase 1 Timeout: ${t1}\n`);
  const t2 = gpfTime(rd16(cs, off + 0x0e), out);
  out.push(`\t\tGPF Phase 2 Timeout: ${t2}\n`);
}

function gpfDevice(cs: ConfigSpace, off: number, out: string[]): void {
  const d = gpfTime(rd16(cs, off + 0x0a), out);
  out.push(`\t\tGPF Phase 2 Duration: ${d}\n\t\tGPF Phase 2 Power: ${rd32(cs, off + 0x0c)}mW\n`);
}

// PCIe DVSEC for Flex Bus Port (8.1.8).
function flexBus(cs: ConfigSpace, off: number, rev: number, out: string[]): void {
  if (rev < 1) return void out.push('\t\tRevision 0 not supported\n');
  const c = rd16(cs, off + 0x0a);
  const t = rd16(cs, off + 0x0c);
  const st = rd16(cs, off + 0x0e);
  const r2 = (w: number): string => (rev >= 2 ? ` 256BFlit${fl(w, 0x2000)} PBRFlit${fl(w, 0x4000)}` : '');
  let s =
    `\t\tFBCap:\tCache${fl(c, 1)} IO${fl(c, 2)} Mem${fl(c, 4)} 68BFlit${fl(c, 0x20)} MltLogDev${fl(c, 0x40)}${r2(c)}\n` +
    `\t\tFBCtl:\tCache${fl(t, 1)} IO${fl(t, 2)} Mem${fl(t, 4)} SynHdrByp${fl(t, 8)} DrftBuf${fl(t, 0x10)} 68BFlit${fl(t, 0x20)} MltLogDev${fl(t, 0x40)} RCD${fl(t, 0x80)} Retimer1${fl(t, 0x100)} Retimer2${fl(t, 0x200)}${r2(t)}\n` +
    `\t\tFBSta:\tCache${fl(st, 1)} IO${fl(st, 2)} Mem${fl(st, 4)} SynHdrByp${fl(st, 8)} DrftBuf${fl(st, 0x10)} 68BFlit${fl(st, 0x20)} MltLogDev${fl(st, 0x40)}${r2(st)}\n` +
    `\t\tFBModTS:\tReceived FB Data: ${hx(rd32(cs, off + 0x10) & 0xffffff, 6)}\n`;
  if (rev >= 2) {
    s +=
      `\t\tFBCap2:\tNOPHint${fl(rd32(cs, off + 0x14), 1)}\n` +
      `\t\tFBCtl2:\tNOPHint${fl(rd32(cs, off + 0x18), 1)}\n` +
      `\t\tFBSta2:\tNOPHintInfo: ${(rd32(cs, off + 0x1c) & 3).toString(16)}\n`;
  }
  out.push(s);
}

const BLOCK_IDS = ['empty', 'component registers', 'BAR virtualization', 'CXL device registers', 'CPMU registers'];

// Register Locator (8.1.9): entries of 8 bytes from +0x0c that fit inside Length; id 0 skipped.
function registerLocator(cs: ConfigSpace, off: number, len: number, out: string[]): void {
  for (let i = 0; ; i++) {
    const pos = off + 0x0c + 8 * i;
    if (pos + 7 >= off + len) break;
    const lo = rd32(cs, pos);
    const hi = rd32(cs, pos + 4);
    const blockId = (lo >> 8) & 0xff;
    if (!blockId) continue;
    const name = BLOCK_IDS[blockId] ?? (blockId === 0xff ? 'vendor-specific' : '<?>');
    const base = (BigInt(hi) << 32n) | BigInt((lo & 0xffff0000) >>> 0);
    out.push(`\t\tBlock${i + 1}: BIR: bar${lo & 7}, ID: ${name}, offset: ${h16(base)}\n`);
  }
}

function mld(cs: ConfigSpace, off: number, out: string[]): void {
  const n = rd16(cs, off + 0x0a);
  if (n >= 1 && n <= 16) out.push(`\t\tNumLogDevs: ${n}\n`);
}

// Header lines of `lspci -v[v[v]]` for dump/sysfs bytes (lspci.c show_verbose, show_bases,
// show_rom, show_htype0/1/2 as pciutils 3.9 prints them when only config space is known: no
// sizes, no kernel resources; the IRQ is the Interrupt Line byte, as lib/generic.c fills it).
import { avail, rd16, rd32, rd8 } from '../config.js';
import type { PciFunction } from '../types.js';
import { fl, h2, h4, h8 } from './fmt.js';
import { hostBar, type HostInfo } from './host.js';
import type { PciNames } from '../names/pci-ids.js';

const DEVSEL = ['fast', 'medium', 'slow', '??'];
const devsel = (st: number): string => DEVSEL[(st >> 9) & 3];

/** %08llx of hi:lo (hi = 0 for 32-bit values). */
function addr(lo: number, hi: number): string {
  return hi ? hi.toString(16) + h8(lo >>> 0) : h8(lo >>> 0);
}

/** show_size for a range: power-of-1024 suffix. */
function size(x: bigint): string {
  if (x <= 0n) return '';
  const suffix = ['', 'K', 'M', 'G', 'T'];
  let i = 0;
  for (; i < suffix.length - 1; i++) {
    if (x % 1024n) break;
    x /= 1024n;
  }
  return ` [size=${x}${suffix[i]}]`;
}

function range(prefix: string, base: bigint, limit: bigint, bits: number, verbose: number): string {
  let s = `${prefix}:`;
  const w = (bits + 3) >> 2;
  if (base <= limit || verbose > 2) s += ` ${BigInt.asUintN(64, base).toString(16).padStart(w, '0')}-${BigInt.asUintN(64, limit).toString(16).padStart(w, '0')}`;
  s += base <= limit ? size(limit - base + 1n) : ' [disabled]';
  return s + (bits ? ` [${bits}-bit]` : '') + '\n';
}

/** Region lines with kernel resources (show_bases as lspci runs it on sysfs: addresses and
 * sizes from `resource`, "[virtual]" for a region the kernel reports but the BAR does not hold). */
function hostBases(fn: PciFunction, cnt: number, verbose: number, host: HostInfo): string {
  const cs = fn.config;
  const cmd = rd16(cs, 4);
  let s = '';
  for (let i = 0; i < cnt; i++) {
    const bar = i;
    const hb = hostBar(host, bar) ?? { pos: 0n, len: 0n };
    const { pos, len } = hb;
    let flg = rd32(cs, 0x10 + 4 * i);
    if (flg === 0xffffffff) flg = 0;
    // measured against lspci 3.9.0 on sysfs (-O sysfs.path=…): a BAR the kernel reports no
    // resource for is left out even when its register is non-zero
    if (!pos && !len) continue;
    s += verbose > 1 ? `\tRegion ${bar}: ` : '\t';
    let hwLower: number;
    let hwUpper = 0;
    if (flg & 1) hwLower = (flg & ~3) >>> 0;
    else {
      hwLower = (flg & ~0xf) >>> 0;
      if ((flg & 6) === 4 && i < cnt - 1) hwUpper = rd32(cs, 0x10 + 4 * ++i);
    }
    let virt = false;
    if (pos && !hwLower && !hwUpper) {
      flg = Number(pos & 0xffffffffn);
      virt = true;
    } else if (pos) {
      // measured against lspci 3.9.0 on sysfs (-A linux-sysfs -O sysfs.path=…): space, type
      // and prefetchability follow the kernel's IORESOURCE_* flags of the resource
      // (include/linux/ioport.h: IO 0x100, PREFETCH 0x2000, MEM_64 0x100000), not the register
      const kf = host.resources?.[bar]?.flags ?? 0n;
      const bits = kf & 0x100n ? 1 : (kf & 0x2000n ? 8 : 0) | (kf & 0x100000n ? 4 : 0);
      flg = ((flg & ~0xf) | bits) >>> 0;
    }
    if (flg & 1) {
      const a = pos & ~3n;
      s += 'I/O ports at ' + (a || cmd & 1 ? a.toString(16).padStart(4, '0') : hwLower ? '<ignored>' : '<unassigned>');
      s += virt ? ' [virtual]' : cmd & 1 ? '' : ' [disabled]';
    } else {
      const t = flg & 6;
      const a = pos & ~0xfn;
      s += 'Memory at ' + (a ? a.toString(16).padStart(8, '0') : hwLower || hwUpper ? '<ignored>' : '<unassigned>');
      s += ` (${t === 0 ? '32-bit' : t === 4 ? '64-bit' : t === 2 ? 'low-1M' : 'type 3'}, ${flg & 8 ? '' : 'non-'}prefetchable)`;
      s += virt ? ' [virtual]' : cmd & 2 ? '' : ' [disabled]';
    }
    s += size(len) + '\n';
  }
  return s;
}

/** Region lines for the first `cnt` BARs (show_bases; without kernel resource data when `host` is absent). */
function bases(fn: PciFunction, cnt: number, verbose: number, host?: HostInfo): string {
  if (host?.resources) return hostBases(fn, cnt, verbose, host);
  const cs = fn.config;
  const cmd = rd16(cs, 4);
  // lib/generic.c: a 64-bit BAR's address takes the next BAR's dword; that slot's own address is 0
  const posLo = new Array<number>(cnt).fill(0);
  const posHi = new Array<number>(cnt).fill(0);
  for (let i = 0; i < cnt; i++) {
    const x = rd32(cs, 0x10 + 4 * i);
    if (!x || x === 0xffffffff) continue;
    if (x & 1 || (x & 6) !== 4) posLo[i] = x;
    else if (i < cnt - 1) {
      posLo[i] = x;
      posHi[i] = rd32(cs, 0x10 + 4 * ++i);
    }
  }
  let s = '';
  for (let i = 0; i < cnt; i++) {
    let flg = rd32(cs, 0x10 + 4 * i);
    if (flg === 0xffffffff) flg = 0;
    const lo = posLo[i];
    const hi = posHi[i];
    if (!lo && !hi && !flg) continue;
    s += verbose > 1 ? `\tRegion ${i}: ` : '\t';
    if (flg & 1) {
      const a = (lo & ~3) >>> 0;
      s += 'I/O ports at ' + (a || cmd & 1 ? a.toString(16).padStart(4, '0') : '<unassigned>') + (cmd & 1 ? '' : ' [disabled]');
    } else {
      const t = flg & 6;
      const a = (lo & ~0xf) >>> 0;
      s += 'Memory at ' + (a || hi ? addr(a, hi) : '<unassigned>');
      s += ` (${t === 0 ? '32-bit' : t === 4 ? '64-bit' : t === 2 ? 'low-1M' : 'type 3'}, ${flg & 8 ? '' : 'non-'}prefetchable)`;
      if (!(cmd & 2)) s += ' [disabled]';
    }
    s += '\n';
  }
  return s;
}

function rom(fn: PciFunction, reg: number, host?: HostInfo): string {
  const cs = fn.config;
  let flg = rd32(cs, reg);
  const hb = host ? hostBar(host, 6) : null;
  if (hb) {
    // show_rom with kernel resources: address and size from `resource` line 6
    const romAddr = hb.pos;
    if (!romAddr && !flg && !hb.len) return '';
    let virt = false;
    if (romAddr & 0xfffff800n && !(flg & 0xfffff800)) {
      flg = Number(romAddr & 0xffffffffn);
      virt = true;
    }
    let s = '\tExpansion ROM at ' + (romAddr & 0xfffff800n ? (romAddr & ~0x7ffn).toString(16).padStart(8, '0') : flg & 0xfffff800 ? '<ignored>' : '<unassigned>');
    if (virt) s += ' [virtual]';
    if (!(flg & 1)) s += ' [disabled]';
    else if (!virt && !(rd16(cs, 4) & 2)) s += ' [disabled by cmd]';
    return s + size(hb.len) + '\n';
  }
  const r = flg === 0xffffffff ? 0 : flg;
  if (!r && !flg) return '';
  const mask = 0xfffff800;
  let s = '\tExpansion ROM at ' + (r & mask ? h8((r & mask) >>> 0) : flg & mask ? '<ignored>' : '<unassigned>');
  if (!(flg & 1)) s += ' [disabled]';
  else if (!(rd16(cs, 4) & 2)) s += ' [disabled by cmd]';
  return s + '\n';
}

function bridge(fn: PciFunction, verbose: number, host?: HostInfo): string {
  const cs = fn.config;
  let s = bases(fn, 2, verbose, host);
  s += `\tBus: primary=${h2(rd8(cs, 0x18))}, secondary=${h2(rd8(cs, 0x19))}, subordinate=${h2(rd8(cs, 0x1a))}, sec-latency=${rd8(cs, 0x1b)}\n`;
  const ioBase = rd8(cs, 0x1c);
  const ioLimit = rd8(cs, 0x1d);
  const ioType = ioBase & 0xf;
  if (ioType !== (ioLimit & 0xf) || (ioType !== 0 && ioType !== 1)) s += `\t!!! Unknown I/O range types ${ioBase.toString(16)}/${ioLimit.toString(16)}\n`;
  else {
    let b = (ioBase & 0xf0) << 8;
    let l = (ioLimit & 0xf0) << 8;
    if (ioType === 1) {
      b |= rd16(cs, 0x30) << 16;
      l |= rd16(cs, 0x32) << 16;
    }
    s += range('\tI/O behind bridge', BigInt(b >>> 0), BigInt(l >>> 0) + 0xfffn, ioType === 1 ? 32 : 16, verbose);
  }
  const memBase = rd16(cs, 0x20);
  const memLimit = rd16(cs, 0x22);
  if ((memBase & 0xf) !== (memLimit & 0xf) || memBase & 0xf) s += `\t!!! Unknown memory range types ${memBase.toString(16)}/${memLimit.toString(16)}\n`;
  else s += range('\tMemory behind bridge', BigInt((memBase & 0xfff0) << 16 >>> 0), BigInt((memLimit & 0xfff0) << 16 >>> 0) + 0xfffffn, 32, verbose);
  const pBase = rd16(cs, 0x24);
  const pLimit = rd16(cs, 0x26);
  const pType = pBase & 0xf;
  if (pType !== (pLimit & 0xf) || (pType !== 0 && pType !== 1)) s += `\t!!! Unknown prefetchable memory range types ${pBase.toString(16)}/${pLimit.toString(16)}\n`;
  else {
    let b = BigInt((pBase & 0xfff0) << 16 >>> 0);
    let l = BigInt((pLimit & 0xfff0) << 16 >>> 0);
    if (pType === 1) {
      b |= BigInt(rd32(cs, 0x28)) << 32n;
      l |= BigInt(rd32(cs, 0x2c)) << 32n;
    }
    s += range('\tPrefetchable memory behind bridge', b, l + 0xfffffn, pType === 1 ? 64 : 32, verbose);
  }
  const sec = rd16(cs, 0x1e);
  if (verbose > 1) {
    s += `\tSecondary status: 66MHz${fl(sec, 0x20)} FastB2B${fl(sec, 0x80)} ParErr${fl(sec, 0x100)} DEVSEL=${devsel(sec)} >TAbort${fl(sec, 0x800)} <TAbort${fl(sec, 0x1000)} <MAbort${fl(sec, 0x2000)} <SERR${fl(sec, 0x4000)} <PERR${fl(sec, 0x8000)}\n`;
  }
  s += rom(fn, 0x38, host);
  if (verbose > 1) {
    const b = rd16(cs, 0x3e);
    s += `\tBridgeCtl: Parity${fl(b, 1)} SERR${fl(b, 2)} NoISA${fl(b, 4)} VGA${fl(b, 8)} VGA16${fl(b, 0x10)} MAbort${fl(b, 0x20)} >Reset${fl(b, 0x40)} FastB2B${fl(b, 0x80)}\n`;
    s += `\t\tPriDiscTmr${fl(b, 0x100)} SecDiscTmr${fl(b, 0x200)} DiscTmrStat${fl(b, 0x400)} DiscTmrSERREn${fl(b, 0x800)}\n`;
  }
  return s;
}

function cardbus(fn: PciFunction, verbose: number, host?: HostInfo): string {
  const cs = fn.config;
  const cmd = rd16(cs, 4);
  const brc = rd16(cs, 0x3e);
  let s = bases(fn, 1, verbose, host);
  s += `\tBus: primary=${h2(rd8(cs, 0x18))}, secondary=${h2(rd8(cs, 0x19))}, subordinate=${h2(rd8(cs, 0x1a))}, sec-latency=${rd8(cs, 0x1b)}\n`;
  for (let i = 0; i < 2; i++) {
    const base = rd32(cs, 0x1c + 8 * i);
    const limit = (rd32(cs, 0x20 + 8 * i) + 0xfff) >>> 0;
    if (base <= limit || verbose > 2) s += `\tMemory window ${i}: ${h8(base)}-${h8(limit)}${cmd & 2 ? '' : ' [disabled]'}${brc & (0x100 << i) ? ' (prefetchable)' : ''}\n`;
  }
  for (let i = 0; i < 2; i++) {
    let base = rd32(cs, 0x2c + 8 * i);
    let limit = rd32(cs, 0x30 + 8 * i);
    if (!(base & 1)) {
      base &= 0xffff;
      limit &= 0xffff;
    }
    base = (base & ~3) >>> 0;
    limit = ((limit & ~3) + 3) >>> 0;
    if (base <= limit || verbose > 2) s += `\tI/O window ${i}: ${h8(base)}-${h8(limit)}${cmd & 1 ? '' : ' [disabled]'}\n`;
  }
  if (rd16(cs, 0x16) & 0x4000) s += '\tSecondary status: SERR\n';
  if (verbose > 1) {
    s += `\tBridgeCtl: Parity${fl(brc, 1)} SERR${fl(brc, 2)} ISA${fl(brc, 4)} VGA${fl(brc, 8)} MAbort${fl(brc, 0x20)} >Reset${fl(brc, 0x40)} 16bInt${fl(brc, 0x80)} PostWrite${fl(brc, 0x400)}\n`;
  }
  if (!avail(cs, 0, 128)) return s + '\t<access denied to the rest>\n';
  const exca = rd16(cs, 0x44);
  if (exca) s += `\t16-bit legacy interface ports at ${h4(exca)}\n`;
  return s;
}

/** Subsystem vendor and device: type 0 header, type 1 SSVID capability, type 2 CardBus
 * registers (lib/generic.c); 0 when there is none. */
export function subsystemIds(fn: PciFunction): [number, number] {
  const cs = fn.config;
  const ht = rd8(cs, 0x0e) & 0x7f;
  let sv = 0;
  let sd = 0;
  if (ht === 0) {
    sv = rd16(cs, 0x2c);
    sd = rd16(cs, 0x2e);
  } else if (ht === 1) {
    const ssvid = fn.caps.find((c) => !c.extended && c.id === 0x0d);
    if (ssvid && avail(cs, ssvid.offset + 4, 4)) {
      sv = rd16(cs, ssvid.offset + 4);
      sd = rd16(cs, ssvid.offset + 6);
    }
  } else if (ht === 2 && avail(cs, 0x40, 4)) {
    sv = rd16(cs, 0x40);
    sd = rd16(cs, 0x42);
  }
  return [sv, sd];
}

/** The header part of one function's verbose text (device line excluded, capabilities not
 * included). `caps` tells whether lspci would go on to the capability list. */
export function headerText(fn: PciFunction, verbose: number, names?: PciNames, host?: HostInfo): { text: string; caps: boolean } {
  const cs = fn.config;
  if (!avail(cs, 0, 64)) return { text: '', caps: false };
  const ht = rd8(cs, 0x0e) & 0x7f;
  const cls = rd16(cs, 0x0a);
  let s = '';
  const [sv, sd] = subsystemIds(fn);
  if (sv && sv !== 0xffff) s += `\tSubsystem: ${names && names.mode !== 'numeric' ? names.subsystem(rd16(cs, 0), rd16(cs, 2), sv, sd) : `${h4(sv)}:${h4(sd)}`}\n`;
  // with sysfs, lspci prints the kernel's `irq`, not the Interrupt Line byte
  const irq = host?.irq ?? rd8(cs, 0x3c);
  const numa = host?.numaNode ?? -1;
  const group = host?.iommuGroup ?? null;
  if (ht > 2) {
    // lspci knows nothing else of the layout: the IRQ (Interrupt Line) only, no capabilities
    s += `\t!!! Unknown header type ${h2(ht)}\n`;
    if (verbose > 1 && irq) s += `\tInterrupt: pin ? routed to IRQ ${irq}\n`;
    return { text: s, caps: false };
  }
  if (ht !== 0 ? cls >> 8 !== 0x06 : cls === 0x0604) s += `\t!!! Invalid class ${h4(cls)} for header type ${h2(ht)}\n`;
  const cmd = rd16(cs, 4);
  const st = rd16(cs, 6);
  const minGnt = ht === 0 ? rd8(cs, 0x3e) : 0;
  const maxLat = ht === 0 ? rd8(cs, 0x3f) : 0;
  if (verbose > 1) {
    s += `\tControl: I/O${fl(cmd, 1)} Mem${fl(cmd, 2)} BusMaster${fl(cmd, 4)} SpecCycle${fl(cmd, 8)} MemWINV${fl(cmd, 0x10)} VGASnoop${fl(cmd, 0x20)} ParErr${fl(cmd, 0x40)} Stepping${fl(cmd, 0x80)} SERR${fl(cmd, 0x100)} FastB2B${fl(cmd, 0x200)} DisINTx${fl(cmd, 0x400)}\n`;
    s += `\tStatus: Cap${fl(st, 0x10)} 66MHz${fl(st, 0x20)} UDF${fl(st, 0x40)} FastB2B${fl(st, 0x80)} ParErr${fl(st, 0x100)} DEVSEL=${devsel(st)} >TAbort${fl(st, 0x800)} <TAbort${fl(st, 0x1000)} <MAbort${fl(st, 0x2000)} >SERR${fl(st, 0x4000)} <PERR${fl(st, 0x8000)} INTx${fl(st, 8)}\n`;
    if (cmd & 4) {
      s += `\tLatency: ${rd8(cs, 0x0d)}`;
      if (minGnt || maxLat) s += ` (${minGnt ? `${minGnt * 250}ns min` : ''}${minGnt && maxLat ? ', ' : ''}${maxLat ? `${maxLat * 250}ns max` : ''})`;
      const cl = rd8(cs, 0x0c);
      if (cl) s += `, Cache Line Size: ${cl * 4} bytes`;
      s += '\n';
    }
    const pin = rd8(cs, 0x3d);
    if (pin || irq) s += `\tInterrupt: pin ${pin ? String.fromCharCode((64 + pin) & 0xff) : '?'} routed to IRQ ${irq}\n`;
    if (numa !== -1) s += `\tNUMA node: ${numa}\n`;
    if (group !== null) s += `\tIOMMU group: ${group}\n`;
  } else {
    s += '\tFlags: ';
    if (cmd & 4) s += 'bus master, ';
    if (cmd & 0x20) s += 'VGA palette snoop, ';
    if (cmd & 0x80) s += 'stepping, ';
    if (cmd & 0x200) s += 'fast Back2Back, ';
    if (st & 0x20) s += '66MHz, ';
    if (st & 0x40) s += 'user-definable features, ';
    s += `${devsel(st)} devsel`;
    if (cmd & 4) s += `, latency ${rd8(cs, 0x0d)}`;
    if (irq) s += `, IRQ ${irq}`;
    if (numa !== -1) s += `, NUMA node ${numa}`;
    if (group !== null) s += `, IOMMU group ${group}`;
    s += '\n';
  }
  const bist = rd8(cs, 0x0f);
  if (bist & 0x80) s += bist & 0x40 ? '\tBIST is running\n' : `\tBIST result: ${h2(bist & 0x0f)}\n`;
  if (ht === 0) s += bases(fn, 6, verbose, host) + rom(fn, 0x30, host);
  else if (ht === 1) s += bridge(fn, verbose, host);
  else {
    const t = cardbus(fn, verbose, host);
    s += t;
    if (t.endsWith('<access denied to the rest>\n')) return { text: s, caps: false };
  }
  return { text: s, caps: true };
}

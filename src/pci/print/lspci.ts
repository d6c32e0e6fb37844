// lspci-compatible text for decoded functions (`lspci [-n|-nn] [-v[v[v]]] [-k] [-x…]`, pciutils
// 3.9.0): lspci.c show_device / show_terse / show_verbose / show_hex_dump, ls-caps.c show_caps,
// ls-ecaps.c show_ext_caps, ls-kernel.c show_kernel.
import { avail, rd16 } from '../config.js';
import type { PciFunction } from '../types.js';
import type { PciNames } from '../names/pci-ids.js';
import { termSafe } from '../../util/term.js';
import { deviceLine } from './device.js';
import { headerText, subsystemIds } from './header.js';
import { printExtCap } from './ext-caps.js';
import { h2, h3, h4 } from './fmt.js';
import { stdCapTitle, virtioBody } from './std-caps.js';
import { expressBody } from './express.js';
import { afBody, agpBody, eaBody, msiBody, msixBody, pcixBody, pmBody } from './std-bodies.js';
import { htBody } from './ht.js';
import { vpdBody } from './vpd.js';
import type { HostInfo } from './host.js';

export interface PrintOptions {
  /** 0 (no -v) .. 3 (-vvv). */
  readonly verbose: number;
  /** Print the PCI domain (lspci does when any listed function has a non-zero domain, or -D). */
  readonly showDomain: boolean;
  /** Name lookup (-n / default / -nn); numeric when absent. */
  readonly names?: PciNames;
  /** -k: kernel driver lines (and the Subsystem line without -v). */
  readonly kernel?: boolean;
  /** -x (1), -xxx (3), -xxxx (4): hex dump after the text; 0/undefined: none. */
  readonly hex?: number;
  /** What sysfs told about the function (driver, IOMMU group, resources, IRQ). */
  readonly host?: HostInfo;
}

/** Text of one function, ending with a newline (and a blank line when verbose or dumping, as lspci). */
export function printFunction(fn: PciFunction, o: PrintOptions): string {
  let s = deviceLine(fn, o.verbose, o.showDomain, o.names) + '\n';
  if (o.verbose) {
    const h = headerText(fn, o.verbose, o.names, o.host);
    s += h.text;
    if (h.caps && fn.header && fn.header.capabilitiesPointer !== null) s += capsText(fn, o.verbose, o.names, o.host);
  } else if (o.kernel) s += terseSubsystem(fn, o.names);
  if (o.kernel || o.verbose) s += kernelText(o);
  if (o.hex) s += hexDump(fn, o.hex);
  return o.verbose || o.hex ? s + '\n' : s;
}

/** show_terse's Subsystem line, printed with -k (show_verbose prints it otherwise). */
function terseSubsystem(fn: PciFunction, names?: PciNames): string {
  const cs = fn.config;
  if (!avail(cs, 0, 64)) return '';
  const [sv, sd] = subsystemIds(fn);
  if (!sv || sv === 0xffff) return '';
  return `\tSubsystem: ${names && names.mode !== 'numeric' ? names.subsystem(rd16(cs, 0), rd16(cs, 2), sv, sd) : `${h4(sv)}:${h4(sd)}`}\n`;
}

/** show_kernel: "Kernel driver in use" from sysfs (termSafe: the name is a symlink basename).
 * lspci's "Kernel modules" (libkmod modalias lookup) is not printed. With -k and no -v, the
 * IOMMU group follows as a dmagate extension line (lspci shows it only at -v / -vv). */
function kernelText(o: PrintOptions): string {
  const h = o.host;
  if (!h) return '';
  let s = '';
  if (h.driver !== null) s += `\tKernel driver in use: ${termSafe(h.driver)}\n`;
  if (o.kernel && !o.verbose && h.iommuGroup !== null) s += `\tIOMMU group: ${h.iommuGroup}\n`;
  return s;
}

/** show_hex_dump: 64 bytes (-x; 128 for a CardBus bridge), 256 (-xxx) or 4096 (-xxxx), each
 * only as far as the bytes are known. */
export function hexDump(fn: PciFunction, level: number): string {
  const cs = fn.config;
  const ht = cs.length >= 64 ? cs.bytes[0x0e] & 0x7f : 0;
  let cnt = Math.min(cs.length, ht === 2 ? 128 : 64);
  if (level >= 3 && avail(cs, cnt, 256 - cnt)) {
    cnt = 256;
    if (level >= 4 && avail(cs, 256, 4096 - 256)) cnt = 4096;
  }
  let s = '';
  for (let i = 0; i < cnt; i++) {
    if (!(i & 15)) s += `${i < 0x100 ? h2(i) : h3(i)}:`;
    s += ' ' + h2(cs.bytes[i]);
    if ((i & 15) === 15) s += '\n';
  }
  return s;
}

/** Body lines of a standard capability at -vv and more (empty for those printed by title only). */
function stdCapBody(fn: PciFunction, id: number, off: number, sizes: readonly bigint[] | undefined, host: HostInfo | undefined): string {
  switch (id) {
    case 0x01: return pmBody(fn.config, off);
    case 0x02: return agpBody(fn.config, off);
    case 0x03: return vpdBody(host?.vpd ?? null); // a dump has no VPD: "Not readable"
    case 0x05: return msiBody(fn.config, off);
    case 0x07: return pcixBody(fn.config, off);
    case 0x08: return htBody(fn.config, off);
    case 0x09: return virtioBody(fn.config, off);
    case 0x10: return expressBody(fn, off, sizes);
    case 0x11: return msixBody(fn.config, off);
    case 0x13: return afBody(fn.config, off);
    case 0x14: return eaBody(fn.config, off);
    default: return '';
  }
}

function capsText(fn: PciFunction, verbose: number, names?: PciNames, host?: HostInfo): string {
  const cs = fn.config;
  const parts: string[] = [];
  const sizes = host?.resources ? host.resources.slice(0, 6).map((r) => (r.end > r.start ? r.end - r.start + 1n : 0n)) : undefined;
  // show_caps returns the Device/Port Type of the (last) PCIe capability; show_ext_caps uses it
  let type = -1;
  for (const c of fn.caps) {
    if (!c.extended) {
      const title = stdCapTitle(cs, c.id, c.offset, verbose, names);
      parts.push(`\tCapabilities: [${h2(c.offset)}] ${title}${title || c.id !== 0x07 ? '\n' : ''}`);
      if (c.id === 0x10) type = (rd16(cs, c.offset + 2) >> 4) & 0xf;
      if (verbose >= 2) parts[parts.length - 1] += stdCapBody(fn, c.id, c.offset, sizes, host);
    } else {
      parts.push(`\tCapabilities: [${h3(c.offset)}${verbose > 1 ? ` v${c.version ?? 0}` : ''}] `);
      printExtCap(cs, c.id, c.offset, verbose, parts, type);
    }
  }
  const w = fn.walk;
  if (w) {
    const std = w.stdEndOffset ?? 0;
    if (w.stdEnd === 'denied') parts.splice(stdCount(fn), 0, '\tCapabilities: <access denied>\n');
    else if (w.stdEnd === 'looped') parts.splice(stdCount(fn), 0, `\tCapabilities: [${h2(std)}] <chain looped>\n`);
    else if (w.stdEnd === 'broken') parts.splice(stdCount(fn), 0, `\tCapabilities: [${h2(std)}] <chain broken>\n`);
    if (w.extEnd === 'looped' && w.extEndOffset !== undefined && avail(cs, w.extEndOffset, 4)) {
      parts.push(`\tCapabilities: [${h3(w.extEndOffset)}${verbose > 1 ? ` v${w.extEndVersion ?? 0}` : ''}] <chain looped>\n`);
    }
  }
  return parts.join('');
}

function stdCount(fn: PciFunction): number {
  let n = 0;
  for (const c of fn.caps) if (!c.extended) n++;
  return n;
}

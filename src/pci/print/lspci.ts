// lspci-compatible text for decoded functions (`lspci -n[v[v[v]]]`, pciutils 3.9.0):
// lspci.c show_device / show_verbose, ls-caps.c show_caps, ls-ecaps.c show_ext_caps.
import { avail, rd16 } from '../config.js';
import type { PciFunction } from '../types.js';
import { deviceLine } from './device.js';
import { headerText } from './header.js';
import { printExtCap } from './ext-caps.js';
import { h2, h3 } from './fmt.js';
import { stdCapTitle } from './std-caps.js';
import { expressBody } from './express.js';
import { afBody, htBody, msiBody, msixBody, pmBody } from './std-bodies.js';

export interface PrintOptions {
  /** 0 (no -v) .. 3 (-vvv). */
  readonly verbose: number;
  /** Print the PCI domain (lspci does when any listed function has a non-zero domain). */
  readonly showDomain: boolean;
}

/** Text of one function, ending with a newline (and a blank line when verbose, as lspci). */
export function printFunction(fn: PciFunction, o: PrintOptions): string {
  const line = deviceLine(fn, o.verbose, o.showDomain) + '\n';
  if (!o.verbose) return line;
  const h = headerText(fn, o.verbose);
  let s = line + h.text;
  if (h.caps && fn.header && fn.header.capabilitiesPointer !== null) s += capsText(fn, o.verbose);
  return s + '\n';
}

/** Body lines of a standard capability at -vv and more (empty for those printed by title only). */
function stdCapBody(fn: PciFunction, id: number, off: number, sizes: readonly bigint[] | undefined): string {
  switch (id) {
    case 0x01: return pmBody(fn.config, off);
    case 0x05: return msiBody(fn.config, off);
    case 0x10: return expressBody(fn, off, sizes);
    case 0x11: return msixBody(fn.config, off);
    case 0x13: return afBody(fn.config, off);
    case 0x08: return htBody(fn.config, off);
    default: return '';
  }
}

function capsText(fn: PciFunction, verbose: number, sizes?: readonly bigint[]): string {
  const cs = fn.config;
  const parts: string[] = [];
  // show_caps returns the Device/Port Type of the (last) PCIe capability; show_ext_caps uses it
  let type = -1;
  for (const c of fn.caps) {
    if (!c.extended) {
      const title = stdCapTitle(cs, c.id, c.offset, verbose);
      parts.push(`\tCapabilities: [${h2(c.offset)}] ${title}${title || c.id !== 0x07 ? '\n' : ''}`);
      if (c.id === 0x10) type = (rd16(cs, c.offset + 2) >> 4) & 0xf;
      if (verbose >= 2) parts[parts.length - 1] += stdCapBody(fn, c.id, c.offset, sizes);
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

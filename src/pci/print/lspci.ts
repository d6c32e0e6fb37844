// lspci-compatible text for decoded functions (`lspci -n[v[v[v]]]`, pciutils 3.9.0):
// lspci.c show_device / show_verbose, ls-caps.c show_caps, ls-ecaps.c show_ext_caps.
import { avail } from '../config.js';
import type { PciFunction } from '../types.js';
import { deviceLine } from './device.js';
import { headerText } from './header.js';
import { printExtCap } from './ext-caps.js';
import { h2, h3 } from './fmt.js';
import { stdCapTitle } from './std-caps.js';

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

function capsText(fn: PciFunction, verbose: number): string {
  const cs = fn.config;
  const parts: string[] = [];
  for (const c of fn.caps) {
    if (!c.extended) {
      parts.push(`\tCapabilities: [${h2(c.offset)}] ${stdCapTitle(cs, c.id, c.offset, verbose)}\n`);
    } else {
      parts.push(`\tCapabilities: [${h3(c.offset)}${verbose > 1 ? ` v${c.version ?? 0}` : ''}] `);
      printExtCap(cs, c.id, c.offset, verbose, parts);
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

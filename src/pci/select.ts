// lspci's device selectors (pciutils lib/filter.c pci_filter_parse_slot / _id):
//   -s [[[[<domain>]:]<bus>]:][<device>][.[<func>]]   (hex; empty or * = any)
//   -d [<vendor>]:[<device>][:<class>[:<prog-if>]]      (hex; empty or * = any)
import type { Bdf } from './types.js';

export interface SlotFilter {
  readonly domain: number | null;
  readonly bus: number | null;
  readonly dev: number | null;
  readonly fn: number | null;
}

export interface IdFilter {
  readonly vendor: number | null;
  readonly device: number | null;
  /** base class << 8 | subclass */
  readonly cls: number | null;
  readonly progIf: number | null;
}

function field(s: string | undefined, max: number, what: string): number | null {
  if (s === undefined || s === '' || s === '*') return null;
  if (!/^[0-9a-f]+$/i.test(s)) throw new Error(`invalid ${what} "${s}"`);
  const v = parseInt(s, 16);
  if (v > max) throw new Error(`${what} "${s}" out of range (max ${max.toString(16)})`);
  return v;
}

/** Parse a `-s` selector; throws Error with a message naming the bad part. */
export function parseSlotFilter(s: string): SlotFilter {
  const dot = s.indexOf('.');
  const left = dot < 0 ? s : s.slice(0, dot);
  const fnPart = dot < 0 ? undefined : s.slice(dot + 1);
  const parts = left.split(':');
  if (parts.length > 3) throw new Error(`invalid slot "${s}": too many ':'`);
  const [d, b, v] = parts.length === 3 ? parts : parts.length === 2 ? [undefined, parts[0], parts[1]] : [undefined, undefined, parts[0]];
  return {
    domain: field(d, 0xffffffff, 'domain'),
    bus: field(b, 0xff, 'bus'),
    dev: field(v, 0x1f, 'device'),
    fn: field(fnPart, 7, 'function'),
  };
}

/** Parse a `-d` selector. */
export function parseIdFilter(s: string): IdFilter {
  const p = s.split(':');
  if (p.length < 2 || p.length > 4) throw new Error(`invalid id "${s}": expected [vendor]:[device][:class[:prog-if]]`);
  return { vendor: field(p[0], 0xffff, 'vendor'), device: field(p[1], 0xffff, 'device'), cls: field(p[2], 0xffff, 'class'), progIf: field(p[3], 0xff, 'prog-if') };
}

export function matchSlot(f: SlotFilter, b: Bdf): boolean {
  return (f.domain === null || f.domain === b.domain) && (f.bus === null || f.bus === b.bus) && (f.dev === null || f.dev === b.dev) && (f.fn === null || f.fn === b.fn);
}

export function matchId(f: IdFilter, vendor: number, device: number, cls: number, progIf: number): boolean {
  return (f.vendor === null || f.vendor === vendor) && (f.device === null || f.device === device) && (f.cls === null || f.cls === cls) && (f.progIf === null || f.progIf === progIf);
}

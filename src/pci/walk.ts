// Capability walks (pci-config-space.md §3 and §5). lspci's defences (ls-caps.c show_caps,
// ls-ecaps.c show_ext_caps: been_there map, `& ~3`, id 0xff = broken chain, ext header 0 or
// 0xffffffff ends the walk) plus the kernel's (drivers/pci/pci.c __pci_find_next_cap_ttl:
// pos < 0x40 stops, 48 steps; pci_find_next_ext_capability: pos < 0x100 stops, 480 steps).
import { avail, issue, rd8, rd32 } from './config.js';
import { capLabel, extCapName, stdCapName } from './caps/names.js';
import type { CapHeader, CapWalkEnd, ConfigIssue, ConfigSpace } from './types.js';

export const PCI_FIND_CAP_TTL = 48;
export const PCI_EXT_CAP_TTL = (4096 - 256) / 8;

// Visited-offset maps shared by all walks: an entry equals the current stamp when visited in
// this walk (no 4 KiB allocation per function; walks are synchronous and never nested).
const seenStd = new Uint32Array(256);
const seenExt = new Uint32Array(4096);
let stamp = 0;
function nextStamp(): number {
  if (++stamp === 0xffffffff) {
    seenStd.fill(0);
    seenExt.fill(0);
    stamp = 1;
  }
  return stamp;
}

export interface WalkResult {
  readonly caps: CapHeader[];
  readonly end: CapWalkEnd;
  readonly endOffset?: number;
  readonly endVersion?: number;
  readonly issues: ConfigIssue[];
}

/** Walk the standard list from the pointer at `ptrOffset` (0x34; 0x14 for CardBus). */
export function walkStdCaps(cs: ConfigSpace, ptrOffset = 0x34): WalkResult {
  const caps: CapHeader[] = [];
  const issues: ConfigIssue[] = [];
  if (!avail(cs, ptrOffset, 1)) {
    issues.push(issue('TRUNCATED', ptrOffset, 'header', 'capabilities pointer not readable'));
    return { caps, end: 'denied', endOffset: ptrOffset, issues };
  }
  const raw = rd8(cs, ptrOffset);
  if (raw & 3) issues.push(issue('BAD_POINTER', ptrOffset, 'header', `capabilities pointer 0x${raw.toString(16)} misaligned (low bits masked)`));
  let where = raw & ~3;
  const seen = seenStd;
  const mark = nextStamp();
  let steps = 0;
  let prevLabel = 'header';
  let prevOff = ptrOffset;
  while (where) {
    if (where < 0x40) {
      issues.push(issue('BAD_POINTER', prevOff, prevLabel, `next pointer 0x${where.toString(16)} points into the header`));
      return { caps, end: 'bad-pointer', endOffset: where, issues };
    }
    if (!avail(cs, where, 4)) {
      issues.push(issue('TRUNCATED', where, prevLabel === 'header' ? 'header' : prevLabel, `capability at 0x${where.toString(16)} is beyond the ${cs.length} readable bytes`));
      return { caps, end: 'denied', endOffset: where, issues };
    }
    if (seen[where] === mark) {
      issues.push(issue('LOOP', where, prevLabel, `capability chain revisits 0x${where.toString(16)}`));
      return { caps, end: 'looped', endOffset: where, issues };
    }
    seen[where] = mark;
    const id = rd8(cs, where);
    if (id === 0xff) {
      issues.push(issue('BROKEN_CHAIN', where, 'cap 0xff', 'capability id 0xff (chain broken)'));
      return { caps, end: 'broken', endOffset: where, issues };
    }
    const nextRaw = rd8(cs, where + 1);
    const label = capLabel(id, false);
    if (nextRaw & 3) issues.push(issue('BAD_POINTER', where + 1, label, `next pointer 0x${nextRaw.toString(16)} misaligned (low bits masked)`));
    const next = nextRaw & ~3;
    caps.push({ offset: where, id, extended: false, name: stdCapName(id), next });
    if (++steps >= PCI_FIND_CAP_TTL && next) {
      issues.push(issue('LOOP', where, label, `more than ${PCI_FIND_CAP_TTL} capabilities`));
      return { caps, end: 'ttl', endOffset: next, issues };
    }
    prevLabel = label;
    prevOff = where + 1;
    where = next;
  }
  return { caps, end: 'end', issues };
}

/** Walk the extended list from 0x100. Call only for PCIe / PCI-X functions. */
export function walkExtCaps(cs: ConfigSpace): WalkResult {
  const caps: CapHeader[] = [];
  const issues: ConfigIssue[] = [];
  let where = 0x100;
  const seen = seenExt;
  const mark = nextStamp();
  let steps = 0;
  let prevLabel = 'ext list';
  while (true) {
    if (!avail(cs, where, 4)) {
      if (where === 0x100 && cs.length <= 0x100) return { caps, end: 'end', issues }; // no extended space dumped
      issues.push(issue('TRUNCATED', where, prevLabel, `extended capability at 0x${where.toString(16)} is beyond the ${cs.length} readable bytes`));
      return { caps, end: 'denied', endOffset: where, issues };
    }
    const header = rd32(cs, where);
    if (header === 0) return { caps, end: 'end', issues };
    if (header === 0xffffffff) {
      if (where !== 0x100) issues.push(issue('BROKEN_CHAIN', where, prevLabel, 'extended capability header 0xffffffff'));
      return { caps, end: where === 0x100 ? 'end' : 'broken', endOffset: where, issues };
    }
    const id = header & 0xffff;
    const version = (header >>> 16) & 0xf;
    if (seen[where] === mark) {
      issues.push(issue('LOOP', where, prevLabel, `extended capability chain revisits 0x${where.toString(16)}`));
      return { caps, end: 'looped', endOffset: where, endVersion: version, issues };
    }
    seen[where] = mark;
    const nextRaw = header >>> 20;
    const label = capLabel(id, true);
    if (nextRaw & 3) issues.push(issue('BAD_POINTER', where + 2, label, `next offset 0x${nextRaw.toString(16)} misaligned (low bits masked)`));
    const next = nextRaw & ~3;
    caps.push({ offset: where, id, extended: true, version, name: extCapName(id), next });
    if (next === 0) return { caps, end: 'end', issues };
    if (next < 0x100) {
      issues.push(issue('BAD_POINTER', where + 2, label, `next offset 0x${next.toString(16)} points below 0x100`));
      return { caps, end: 'bad-pointer', endOffset: next, issues };
    }
    if (++steps >= PCI_EXT_CAP_TTL) {
      issues.push(issue('LOOP', where, label, `more than ${PCI_EXT_CAP_TTL} extended capabilities`));
      return { caps, end: 'ttl', endOffset: next, issues };
    }
    prevLabel = label;
    where = next;
  }
}

// Where `dmagate lspci` reads functions from: an lspci hex dump (-F) or a live sysfs tree
// (--sysfs ROOT) through the project's confined reader; and the hint for a "dump" that is
// decoded lspci text.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { parseDumpFile, type DumpSource } from '../pci/dump.js';
import type { HostInfo } from '../pci/print/host.js';
import { join } from 'node:path';
import { readSysfs, type SysfsNote } from '../platform/sysfs-reader.js';
import { openRoot, readBytes } from '../platform/sysfs-fs.js';
import type { Bdf, ConfigIssue, ConfigSpace, PciFunction } from '../pci/types.js';
import { termSafe } from '../util/term.js';

export interface Item {
  readonly bdf: Bdf;
  readonly config: ConfigSpace;
  /** Already decoded (sysfs does it while reading). */
  readonly fn?: PciFunction;
  readonly host?: HostInfo;
  readonly label: string;
}

export interface Source {
  readonly label: string;
  readonly items: Item[];
  /** Dump syntax problems. */
  readonly issues: ConfigIssue[];
  /** sysfs notes (refused links, unreadable files, …), already worded. */
  readonly notes: readonly SysfsNote[];
  readonly fromSysfs: boolean;
}

/** Notes that are not problems on a normal host (not root: only the header is readable). */
export const BENIGN_NOTES: ReadonlySet<string> = new Set(['CONFIG_TRUNCATED']);

/** `lspci --sysfs ROOT` through the project's confined reader (src/platform/sysfs-reader.ts):
 * symlinks resolved and refused outside ROOT, bounded reads, FIFOs and devices refused. */
export function sysfsSource(root: string, wantVpd = false): Source {
  const host = readSysfs(root);
  const items: Item[] = [];
  const vpdNotes: SysfsNote[] = [];
  const r = wantVpd ? openRoot(root) : null;
  for (const f of host.functions) {
    if (!f.fn) continue; // fewer than 64 bytes: already a note
    // `vpd` is read (through the same confined, bounded reader) only for a -vv listing of a
    // function with a VPD capability: reading it makes the device fetch from its EEPROM
    const vpd = r && f.fn.caps.some((c) => !c.extended && c.id === 0x03) ? readBytes(r, join(r.real, f.devicePath, 'vpd'), 0x8000, vpdNotes) ?? null : null;
    items.push({
      bdf: f.bdf,
      config: f.fn.config,
      fn: f.fn,
      label: `${root}:${f.devicePath}/config`,
      host: { driver: f.driver, iommuGroup: f.iommuGroup, irq: f.irq, numaNode: f.numaNode, resources: f.resources, vpd },
    });
  }
  const notes = [...host.notes, ...host.functions.flatMap((f) => f.notes), ...vpdNotes];
  return { label: root, items, issues: [], notes, fromSysfs: true };
}

export function dumpSource(src: DumpSource, file: string): Source {
  const p = parseDumpFile(src, file);
  return { label: file, items: p.functions.map((f) => ({ bdf: f.bdf, config: f.config, label: file })), issues: p.issues, notes: [], fromSysfs: false };
}

/** A hint when the "dump" holds no hex rows at all (someone's `lspci -vvv` output, say). */
export function notADumpHint(file: string, items: readonly Item[]): string | null {
  if (items.some((x) => x.config.length > 0)) return null;
  let head = '';
  try {
    if (statSync(file).isFile()) {
      const fd = openSync(file, 'r');
      try {
        const b = Buffer.alloc(64 * 1024);
        head = b.subarray(0, readSync(fd, b, 0, b.length, 0)).toString('latin1');
      } finally {
        closeSync(fd);
      }
    }
  } catch {
    // unreadable: the generic hint below
  }
  const decoded = /^\t(Subsystem|Control|Status|Flags|Capabilities|Kernel driver in use|Region \d|Memory at|I\/O ports at):/m.test(head) || /^[0-9a-f:.]+ [A-Za-z][^:]*: /m.test(head);
  const what = decoded ? `${file} looks like decoded lspci output (lspci -v/-vvv), not a hex dump` : `${file} has no hex rows (lines "00: 86 80 …")`;
  return `dmagate: lspci: ${termSafe(what)}; dmagate needs lspci's hex dump: run \`sudo lspci -xxxx > machine.txt\` (root shows all 4096 bytes) and pass -F machine.txt\n`;
}


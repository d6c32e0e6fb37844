// Parsers of sysfs attribute texts that carry structure: a function's `resource` (BARs) and an
// IOMMU group's `reserved_regions`. Text in, values and notes out; no file access.
import type { ReservedRegion, ReservedRegionType } from '../kernel/platform.js';
import type { SysfsNote } from './sysfs-fs.js';

/** One line of a function's sysfs `resource` file (drivers/pci/pci-sysfs.c resource_show). */
export interface SysfsResource {
  readonly start: bigint;
  readonly end: bigint;
  readonly flags: bigint;
}

/** Parses `resource` ("0x%016llx 0x%016llx 0x%016llx" per line); a bad line is noted and the
 * file dropped (lspci's sysfs_get_resources gives up on it too). */
export function parseResources(text: string, path: string, notes: SysfsNote[]): SysfsResource[] | null {
  const out: SysfsResource[] = [];
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  for (let i = 0; i < lines.length && i < 64; i++) {
    const m = /^\s*0x([0-9a-f]{1,16})\s+0x([0-9a-f]{1,16})\s+0x([0-9a-f]{1,16})\s*$/i.exec(lines[i]);
    if (!m) {
      notes.push({ code: 'BAD_VALUE', path, message: `${path}:${i + 1}: cannot parse resource line (expected "0x<start> 0x<end> 0x<flags>"); BAR sizes not shown` });
      return null;
    }
    out.push({ start: BigInt('0x' + m[1]), end: BigInt('0x' + m[2]), flags: BigInt('0x' + m[3]) });
  }
  return out;
}

const REGION_TYPES: readonly ReservedRegionType[] = ['direct', 'direct-relaxable', 'reserved', 'msi', 'sw-msi'];

/** Parses `reserved_regions` ("0x... 0x... type" per line, end inclusive). Bad lines are noted. */
export function parseReservedRegions(text: string, path: string, notes: SysfsNote[]): ReservedRegion[] {
  const out: ReservedRegion[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const m = /^0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+)$/i.exec(line);
    const type = m?.[3] as ReservedRegionType | undefined;
    if (!m || type === undefined || !REGION_TYPES.includes(type)) {
      notes.push({ code: 'BAD_VALUE', path, message: `${path}:${i + 1}: cannot parse reserved region "${line}" (expected "0x<start> 0x<end> <${REGION_TYPES.join('|')}>")` });
      return;
    }
    const start = BigInt('0x' + m[1]);
    const end = BigInt('0x' + m[2]);
    if (end >= 1n << 64n) {
      notes.push({ code: 'BAD_VALUE', path, message: `${path}:${i + 1}: reserved region end 0x${m[2]} does not fit in 64 bits` });
      return;
    }
    if (end < start) {
      notes.push({ code: 'BAD_VALUE', path, message: `${path}:${i + 1}: reserved region ends before it starts` });
      return;
    }
    out.push({ type, base: start, size: end - start + 1n });
  });
  return out;
}

// Reader for one Linux sysfs `config` file (pci-config-space.md §1.1; drivers/pci/pci-sysfs.c,
// pci_read_config). Without CAP_SYS_ADMIN the kernel returns only the first 64 bytes (128 for
// a CardBus bridge) although the file claims 256/4096: the length says what was read, the
// rest is unavailable, never guessed.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseBdf } from './bdf.js';
import type { Bdf, ConfigIssue, ConfigSpace } from './types.js';

export interface SysfsConfig {
  readonly config: ConfigSpace;
  /** Size the file claims (st_size), when known: 256 or 4096 for real sysfs files. */
  readonly claimedSize?: number;
  /** True when fewer bytes could be read than the file claims (non-root read). */
  readonly short: boolean;
  readonly issues: ConfigIssue[];
}

/** Turn raw bytes of a `config` file into a ConfigSpace (at most 4096 bytes). */
export function configFromBytes(data: Uint8Array, claimedSize?: number): SysfsConfig {
  const length = Math.min(data.length, 4096);
  const bytes = data.slice(0, length);
  const issues: ConfigIssue[] = [];
  const short = claimedSize !== undefined && length < Math.min(claimedSize, 4096);
  if (short) {
    issues.push({
      code: 'TRUNCATED',
      offset: length,
      cap: 'header',
      message: `only ${length} of ${claimedSize} bytes readable (not root?): the rest is unavailable`,
    });
  } else if (length < 64) {
    issues.push({ code: 'TRUNCATED', offset: length, cap: 'header', message: `only ${length} bytes: the 64-byte header is incomplete` });
  }
  return { config: { bytes, length }, claimedSize, short, issues };
}

/** Read one sysfs `config` file. Throws only on I/O errors (missing file, permission). */
export function readSysfsConfig(path: string): SysfsConfig {
  const claimed = statSync(path).size;
  const data = readFileSync(path);
  return configFromBytes(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), claimed || undefined);
}

export interface SysfsFunction {
  readonly bdf: Bdf;
  readonly path: string;
  readonly read: SysfsConfig;
}

/** Every `ROOT/bus/pci/devices/<bdf>/config` (ROOT is `/sys` or a copy of it), sorted by BDF. */
export function readSysfsTree(root: string): { functions: SysfsFunction[]; errors: string[] } {
  const dir = join(root, 'bus', 'pci', 'devices');
  const names = readdirSync(dir).sort();
  const functions: SysfsFunction[] = [];
  const errors: string[] = [];
  for (const name of names) {
    const bdf = parseBdf(name, { requireDomain: true });
    if (!bdf) continue;
    const path = join(dir, name, 'config');
    try {
      functions.push({ bdf, path, read: readSysfsConfig(path) });
    } catch (e) {
      errors.push(`${path}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return { functions, errors };
}

// The one place dmagate writes to sysfs (the acceptance agent's actions). A write names an
// attribute relative to ROOT; it is refused unless
//   - the path is one of the known attributes (KNOWN below) with a valid value,
//   - every directory on the way resolves inside ROOT (symlinks allowed only when their
//     target stays inside; a device directory must resolve into ROOT/sys/devices),
//   - the attribute itself is not a symlink (O_NOFOLLOW; O_TRUNC as `echo >` does), exists (never created: O_CREAT is
//     not passed) and is a regular file once opened (fstat; O_NONBLOCK so a FIFO cannot hang).
// Interfaces: Documentation/ABI/testing/sysfs-bus-pci (bind, unbind, drivers_probe,
// drivers_autoprobe, driver_override, remove), sysfs-kernel-iommu_groups (type).
import { closeSync, constants, fstatSync, openSync, realpathSync, writeSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { parseBdf } from '../pci/bdf.js';

export class SysfsWriteError extends Error {
  override name = 'SysfsWriteError';
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`sysfs write ${path} refused: ${reason}`);
  }
}

const BDF_NAME = (s: string): boolean => parseBdf(s, { requireDomain: true }) !== null;
const DRIVER_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

interface Known {
  readonly re: RegExp;
  /** Validates the value; returns an error text or null. */
  value(v: string, m: RegExpExecArray): string | null;
  /** Index of the capture that names a device directory (must resolve into sys/devices). */
  readonly deviceDir?: boolean;
}

const KNOWN: readonly Known[] = [
  { re: /^sys\/bus\/pci\/drivers_autoprobe$/, value: (v) => (v === '0' || v === '1' ? null : 'drivers_autoprobe takes 0 or 1') },
  { re: /^sys\/bus\/pci\/drivers_probe$/, value: (v) => (BDF_NAME(v) ? null : 'drivers_probe takes a DDDD:BB:DD.F address') },
  { re: /^sys\/bus\/pci\/drivers\/([A-Za-z0-9_.-]{1,64})\/(bind|unbind)$/, value: (v) => (BDF_NAME(v) ? null : 'bind/unbind take a DDDD:BB:DD.F address') },
  { re: /^sys\/bus\/pci\/devices\/([^/]+)\/driver_override$/, value: (v, m) => (!BDF_NAME(m[1]) ? 'not a device directory' : v === '' || DRIVER_NAME.test(v) ? null : 'driver_override takes a driver name or nothing'), deviceDir: true },
  { re: /^sys\/bus\/pci\/devices\/([^/]+)\/remove$/, value: (v, m) => (!BDF_NAME(m[1]) ? 'not a device directory' : v === '1' ? null : 'remove takes 1'), deviceDir: true },
  { re: /^sys\/kernel\/iommu_groups\/([0-9]{1,9})\/type$/, value: (v) => (['DMA', 'DMA-FQ', 'identity', 'auto'].includes(v) ? null : 'type takes DMA, DMA-FQ, identity or auto') },
];

function inside(root: string, abs: string): boolean {
  return abs === root || abs.startsWith(root.endsWith(sep) ? root : root + sep);
}

export interface WriteRecord {
  readonly path: string;
  readonly value: string;
  /** Where the bytes went (realpath of the directory + attribute). */
  readonly real: string;
}

/** Writes `value` (plus a newline, as `echo` does) to ROOT/rel. Throws SysfsWriteError. */
export function writeSysfsAttr(root: string, rel: string, value: string): WriteRecord {
  if (rel.includes('\0') || value.includes('\0') || value.includes('\n')) throw new SysfsWriteError(rel, 'NUL or newline in path or value');
  if (rel.split('/').some((c) => c === '..' || c === '.' || c === '')) throw new SysfsWriteError(rel, 'path must be plain components (no "", ".", "..")');
  let m: RegExpExecArray | null = null;
  const k = KNOWN.find((x) => (m = x.re.exec(rel)) !== null);
  if (k === undefined || m === null) throw new SysfsWriteError(rel, 'not an attribute the agent writes');
  const bad = k.value(value, m);
  if (bad !== null) throw new SysfsWriteError(rel, `bad value "${value}": ${bad}`);
  let rootReal: string;
  try {
    rootReal = realpathSync(root);
  } catch {
    throw new SysfsWriteError(rel, `sysfs root ${root} cannot be resolved`);
  }
  let dirReal: string;
  try {
    dirReal = realpathSync(join(rootReal, dirname(rel)));
  } catch (e) {
    throw new SysfsWriteError(rel, `its directory does not resolve (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (!inside(rootReal, dirReal)) throw new SysfsWriteError(rel, `its directory resolves to ${dirReal}, outside the sysfs root`);
  if (k.deviceDir === true && !inside(join(rootReal, 'sys', 'devices'), dirReal)) throw new SysfsWriteError(rel, `the device directory resolves to ${dirReal}, not under sys/devices`);
  const target = join(dirReal, rel.slice(rel.lastIndexOf('/') + 1));
  let fd: number;
  try {
    fd = openSync(target, constants.O_WRONLY | constants.O_TRUNC | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    throw new SysfsWriteError(rel, code === 'ELOOP' ? 'the attribute is a symlink' : code === 'ENOENT' ? 'no such attribute' : code === 'ENXIO' ? 'not a regular file (FIFO)' : `open failed (${code})`);
  }
  try {
    if (!fstatSync(fd).isFile()) throw new SysfsWriteError(rel, 'not a regular file');
    const buf = Buffer.from(value + '\n');
    const n = writeSync(fd, buf);
    if (n !== buf.length) throw new SysfsWriteError(rel, `short write (${n} of ${buf.length} bytes)`);
  } catch (e) {
    if (e instanceof SysfsWriteError) throw e;
    throw new SysfsWriteError(rel, `write failed (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  } finally {
    closeSync(fd);
  }
  return { path: rel, value, real: target };
}

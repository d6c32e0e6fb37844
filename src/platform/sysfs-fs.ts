// Read-only, root-confined file access for the sysfs reader. Everything under ROOT is read
// through these helpers: symlinks are resolved and refused when they land outside ROOT, reads
// are bounded, nothing is ever opened for writing. Problems become notes, never exceptions.
import { closeSync, lstatSync, openSync, readSync, readdirSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { InputError } from '../util/errors.js';

/** A sysfs ROOT that cannot be used: missing, not a directory, or holding no sys/bus/pci.
 * An input error (exit 2), never a finding about the host. */
export class SysfsRootError extends InputError {
  override name = 'SysfsRootError';
}

export type SysfsNoteCode =
  | 'ESCAPE' // a symlink (or path) resolves outside ROOT: refused
  | 'BAD_LINK' // a link that should point into sys/devices or sys/kernel/iommu_groups does not
  | 'BAD_NAME' // a directory entry that is not a PCI address / group number
  | 'UNREADABLE' // EACCES, EIO, ...
  | 'NOT_A_FILE' // an attribute that is a directory, FIFO, device, ...
  | 'BAD_VALUE' // an attribute whose text does not parse
  | 'CONFIG_MISSING' // no config file
  | 'CONFIG_SHORT' // fewer than 64 bytes: nothing decodable
  | 'CONFIG_TRUNCATED' // only the 64-byte header is readable (not root)
  | 'CONFIG_ODD_SIZE' // a length that is not 64, 256 or 4096
  | 'DECODE' // the decoder failed (our bug; reported, not thrown)
  | 'ROOT_IS_SYSFS'; // ROOT has bus/pci but no sys/: the sysfs mount itself was given

export interface SysfsNote {
  readonly code: SysfsNoteCode;
  /** Path relative to ROOT (e.g. "sys/bus/pci/devices/0000:01:00.0/config"). */
  readonly path: string;
  readonly message: string;
}

/** ROOT, resolved once; every path handed out is absolute and inside it. */
export interface SafeRoot {
  /** realpath of ROOT. */
  readonly real: string;
  /** The ROOT as given (for messages). */
  readonly given: string;
  /** Directories already resolved inside ROOT whose realpath is themselves: a non-link entry
   * of one of them needs no realpath of its own (a walk of 10,000 functions reads ~20
   * attributes each from such directories). Filled by resolveInside. */
  readonly realDirs?: Set<string>;
}

export function openRoot(given: string): SafeRoot {
  let real: string;
  try {
    real = realpathSync(resolve(given));
  } catch (e) {
    throw new SysfsRootError(`sysfs root ${given} cannot be opened (${errCode(e)}): expected a directory holding sys/`);
  }
  if (!statSync(real).isDirectory()) throw new SysfsRootError(`sysfs root ${given} is not a directory`);
  return { real, given, realDirs: new Set([real]) };
}

/** True when `abs` is ROOT itself or below it. */
export function inside(r: SafeRoot, abs: string): boolean {
  if (abs === r.real) return true;
  const base = r.real.endsWith(sep) ? r.real : r.real + sep;
  return abs.startsWith(base);
}

export function rel(r: SafeRoot, abs: string): string {
  return relative(r.real, abs) || '.';
}

function errCode(e: unknown): string {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : 'ERROR';
}

/** lstat that answers undefined for "does not exist". */
function lstatOrUndef(abs: string): ReturnType<typeof lstatSync> | undefined {
  try {
    // no exception (and its stack) for the common "attribute absent" answer
    return lstatSync(abs, { throwIfNoEntry: false });
  } catch {
    return undefined; // EACCES, ENOTDIR, ...
  }
}

export function exists(abs: string): boolean {
  return lstatOrUndef(abs) !== undefined;
}

/** realpath of `abs`, or a note when it escapes ROOT or cannot be resolved. */
export function resolveInside(r: SafeRoot, abs: string, notes: SysfsNote[]): string | null {
  let real: string;
  try {
    real = realpathSync.native(abs); // libc realpath: one call, not an lstat per path component
  } catch (e) {
    notes.push({ code: 'UNREADABLE', path: rel(r, abs), message: `cannot resolve ${rel(r, abs)}: ${errCode(e)}` });
    return null;
  }
  if (!inside(r, real)) {
    notes.push({ code: 'ESCAPE', path: rel(r, abs), message: `${rel(r, abs)} resolves to ${real}, outside the sysfs root ${r.real}: refused` });
    return null;
  }
  r.realDirs?.add(real);
  return real;
}

export interface LinkInfo {
  /** Last component of the link target, e.g. "vfio-pci", "7", "0000:3b:00.0". */
  readonly name: string;
  /** Where the link points, resolved lexically (the target itself may not exist). */
  readonly abs: string;
}

/** Reads the symlink `dir/name`. undefined: absent (or not a link); null: refused (noted). */
export function readLink(r: SafeRoot, dir: string, name: string, notes: SysfsNote[]): LinkInfo | null | undefined {
  const p = join(dir, name);
  const st = lstatOrUndef(p);
  if (st === undefined) return undefined;
  if (!st.isSymbolicLink()) {
    notes.push({ code: 'BAD_LINK', path: rel(r, p), message: `${rel(r, p)} is expected to be a symlink` });
    return null;
  }
  let target: string;
  try {
    target = readlinkSync(p);
  } catch (e) {
    notes.push({ code: 'UNREADABLE', path: rel(r, p), message: `cannot read link ${rel(r, p)}: ${errCode(e)}` });
    return null;
  }
  const abs = resolve(dirname(p), target);
  if (!inside(r, abs)) {
    notes.push({ code: 'ESCAPE', path: rel(r, p), message: `${rel(r, p)} -> ${target} leaves the sysfs root: refused` });
    return null;
  }
  // The target may be a further link chain: when it exists, its real location must stay inside too.
  if (exists(abs)) {
    try {
      const real = realpathSync.native(abs);
      if (!inside(r, real)) {
        notes.push({ code: 'ESCAPE', path: rel(r, p), message: `${rel(r, p)} -> ${target} resolves to ${real}, outside the sysfs root: refused` });
        return null;
      }
      return { name: basename(abs), abs: real };
    } catch {
      // A dangling chain: report the lexical target.
    }
  }
  return { name: basename(abs), abs };
}

/** Bounded read of a regular file under ROOT. undefined: absent; null: refused/unreadable (noted). */
export function readBytes(r: SafeRoot, abs: string, max: number, notes: SysfsNote[]): Uint8Array | null | undefined {
  const st = lstatOrUndef(abs);
  if (st === undefined) return undefined;
  // not a link, in a directory known to be its own realpath inside ROOT: abs is its realpath
  const real = !st.isSymbolicLink() && r.realDirs?.has(dirname(abs)) === true ? abs : resolveInside(r, abs, notes);
  if (real === null) return null;
  try {
    // lstat of a non-link already is the file's stat; only a link needs its target's
    if (!(st.isSymbolicLink() ? statSync(real) : st).isFile()) {
      notes.push({ code: 'NOT_A_FILE', path: rel(r, abs), message: `${rel(r, abs)} is not a regular file` });
      return null;
    }
  } catch (e) {
    notes.push({ code: 'UNREADABLE', path: rel(r, abs), message: `cannot stat ${rel(r, abs)}: ${errCode(e)}` });
    return null;
  }
  let fd: number;
  try {
    fd = openSync(real, 'r');
  } catch (e) {
    notes.push({ code: 'UNREADABLE', path: rel(r, abs), message: `cannot open ${rel(r, abs)}: ${errCode(e)}` });
    return null;
  }
  // Attributes are mostly a few bytes: start at one page and grow up to `max`, so that a
  // walk of 10,000 functions does not allocate (and zero) 64 KiB per attribute.
  let buf = new Uint8Array(Math.min(max, 4096));
  let n = 0;
  try {
    // sysfs attributes report a size of 4096 whatever they hold: read until EOF or `max`.
    for (;;) {
      if (n === buf.length) {
        if (n >= max) break;
        const bigger = new Uint8Array(Math.min(max, buf.length * 2));
        bigger.set(buf);
        buf = bigger;
      }
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got <= 0) break;
      n += got;
    }
  } catch (e) {
    notes.push({ code: 'UNREADABLE', path: rel(r, abs), message: `cannot read ${rel(r, abs)}: ${errCode(e)}` });
    return null;
  } finally {
    closeSync(fd);
  }
  return buf.slice(0, n);
}

/** A text attribute, trimmed. undefined: absent; null: refused/unreadable (noted). */
export function readText(r: SafeRoot, abs: string, notes: SysfsNote[]): string | null | undefined {
  const b = readBytes(r, abs, 64 * 1024, notes);
  if (b === null || b === undefined) return b;
  return Buffer.from(b).toString('utf8').trim();
}

/** Directory entries (sorted), or [] when absent/unreadable (noted when unreadable). */
export function listDir(r: SafeRoot, abs: string, notes: SysfsNote[]): string[] {
  if (!exists(abs)) return [];
  const real = resolveInside(r, abs, notes);
  if (real === null) return [];
  try {
    return readdirSync(real).sort();
  } catch (e) {
    notes.push({ code: 'UNREADABLE', path: rel(r, abs), message: `cannot list ${rel(r, abs)}: ${errCode(e)}` });
    return [];
  }
}

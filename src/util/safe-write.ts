// Writing a file without following a symlink at its name: O_CREAT|O_EXCL|O_NOFOLLOW (open(2):
// with O_CREAT|O_EXCL, an existing name fails with EEXIST even when it is a symlink, dangling
// or not). An existing file is replaced only when asked (`force`), and then by unlinking the
// name first — unlink removes a symlink itself, never its target — and creating it anew, so a
// planted link cannot redirect the write. For every command that writes (audit
// --export-scenario, and the agent once it writes files).
import { closeSync, constants, lstatSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { InputError } from './errors.js';

export class WriteRefused extends InputError {
  override name = 'WriteRefused';
}

export interface SafeWriteOptions {
  /** Replace an existing file (or symlink: the link is removed, its target untouched). */
  readonly force?: boolean;
  /** File mode for a new file (default 0o644, before the umask). */
  readonly mode?: number;
}

/** What is at `path` now: null when nothing. */
function existing(path: string): 'file' | 'symlink' | 'directory' | 'other' | null {
  try {
    const st = lstatSync(path);
    if (st.isSymbolicLink()) return 'symlink';
    if (st.isFile()) return 'file';
    if (st.isDirectory()) return 'directory';
    return 'other';
  } catch {
    return null;
  }
}

/** Throws WriteRefused when `path` exists and `force` is not set (nothing is written). */
export function checkWritable(path: string, o: SafeWriteOptions = {}): void {
  const what = existing(path);
  if (what === null) return;
  if (what === 'directory') throw new WriteRefused(`${path} is a directory: refusing to write there`);
  if (what === 'other') throw new WriteRefused(`${path} exists and is not a regular file: refusing to write there`);
  if (!o.force) {
    throw new WriteRefused(`${path} already exists${what === 'symlink' ? ' (as a symlink, which is never followed)' : ''}: refusing to overwrite it (give --force to replace it)`);
  }
}

/** Creates `path` with `data`, never through a symlink; see the file comment. */
export function writeFileNoFollow(path: string, data: string | Uint8Array, o: SafeWriteOptions = {}): void {
  checkWritable(path, o);
  if (o.force && existing(path) !== null) {
    try {
      unlinkSync(path);
    } catch (e) {
      throw new WriteRefused(`cannot replace ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
  }
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, o.mode ?? 0o644);
  } catch (e) {
    const c = (e as NodeJS.ErrnoException).code;
    // EEXIST here: something was created at the name between the check and the open.
    throw new WriteRefused(`cannot create ${path}: ${c === 'EEXIST' ? 'it appeared while writing (refusing to overwrite)' : (c ?? String(e))}`);
  }
  try {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
  } finally {
    closeSync(fd);
  }
}

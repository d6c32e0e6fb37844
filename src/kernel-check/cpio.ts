// A "newc" cpio archive (the initramfs format, Documentation/driver-api/early-userspace/
// buffer-format.rst) written in memory: regular files, directories, symlinks and device nodes
// as plain header bytes, so building an initramfs needs neither root nor the cpio tool.
import { gzipSync } from 'node:zlib';

export type CpioEntry =
  | { readonly kind: 'dir'; readonly path: string; readonly mode?: number }
  | { readonly kind: 'file'; readonly path: string; readonly data: Uint8Array | string; readonly mode?: number }
  | { readonly kind: 'symlink'; readonly path: string; readonly target: string }
  | { readonly kind: 'chardev'; readonly path: string; readonly major: number; readonly minor: number; readonly mode?: number };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;

const hex8 = (n: number): string => (n >>> 0).toString(16).padStart(8, '0');
const pad4 = (n: number): number => (4 - (n % 4)) % 4;

function header(ino: number, mode: number, nlink: number, size: number, rmaj: number, rmin: number, nameLen: number): string {
  // magic, ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor, namesize, check
  return '070701' + [ino, mode, 0, 0, nlink, 0, size, 0, 0, rmaj, rmin, nameLen, 0].map(hex8).join('');
}

/** The archive bytes; paths are stored without a leading '/'. Entries keep their order (a
 * directory must come before what it holds). */
export function cpioNewc(entries: readonly CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  let ino = 1;
  const push = (name: string, mode: number, nlink: number, data: Buffer, rmaj = 0, rmin = 0): void => {
    const nameBuf = Buffer.from(name + '\0', 'utf8');
    const h = Buffer.from(header(ino++, mode, nlink, data.length, rmaj, rmin, nameBuf.length), 'ascii');
    parts.push(h, nameBuf, Buffer.alloc(pad4(h.length + nameBuf.length)), data, Buffer.alloc(pad4(data.length)));
  };
  for (const e of entries) {
    const name = e.path.replace(/^\/+/, '');
    if (name === '' || name.split('/').includes('..')) throw new Error(`cpio: bad path "${e.path}"`);
    switch (e.kind) {
      case 'dir':
        push(name, S_IFDIR | (e.mode ?? 0o755), 2, Buffer.alloc(0));
        break;
      case 'file':
        push(name, S_IFREG | (e.mode ?? 0o644), 1, typeof e.data === 'string' ? Buffer.from(e.data, 'utf8') : Buffer.from(e.data));
        break;
      case 'symlink':
        push(name, S_IFLNK | 0o777, 1, Buffer.from(e.target, 'utf8'));
        break;
      case 'chardev':
        push(name, S_IFCHR | (e.mode ?? 0o600), 1, Buffer.alloc(0), e.major, e.minor);
        break;
    }
  }
  push('TRAILER!!!', 0, 1, Buffer.alloc(0));
  return Buffer.concat(parts);
}

export function cpioNewcGz(entries: readonly CpioEntry[]): Buffer {
  return gzipSync(cpioNewc(entries), { level: 6 });
}

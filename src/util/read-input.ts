// One bounded reader for every file a user hands dmagate (lspci -F dumps, scenarios, the dumps a
// scenario names, matrix --variants). What a careful daemon does with a path it did not choose:
// - regular files, read up to a size cap (checked against fstat first, then while reading);
// - pipes given explicitly (`-`, /dev/stdin, /dev/fd/N as `<(…)` makes, a named FIFO): read
//   once, to the same cap, and kept — a pipe cannot be read twice;
// - everything else (character and block devices such as /dev/zero, directories, sockets) is
//   refused with a message that says what the path is;
// - an optional longest line: text formats stop at a line longer than that ("line too long or
//   unterminated", as pciutils' lib/dump.c does), so an endless line cannot fill memory.
// Errors are InputErrors (exit 2): `cannot read FILE: …`.
import { closeSync, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { InputError } from './errors.js';

const MiB = 1024 * 1024;

/** Caps per kind of input (README "Limits"). */
export const INPUT_LIMITS = {
  /** lspci dumps: 256 MiB (≈ 60,000 functions at 4096 bytes each in -xxxx text). */
  dump: 256 * MiB,
  /** Scenario files (YAML/JSON): 64 MiB (≈ 250,000 functions at bench/run-bench.mjs's ≈ 250
   * bytes each; issue 13 runs 100,000, a 24 MB file). */
  scenario: 64 * MiB,
  /** matrix --variants files. */
  variants: 1 * MiB,
} as const;

export class InputFileError extends InputError {
  override name = 'InputFileError';
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`cannot read ${file}: ${reason}`);
  }
}

export type InputKind = 'file' | 'pipe';

export interface ReadInputOptions {
  /** Refuse inputs longer than this (default: INPUT_LIMITS.dump). */
  readonly maxBytes?: number;
  /** Stop with an error at a line longer than this many bytes (no limit by default). */
  readonly maxLine?: number;
  /** What the input is, for messages ("dump", "scenario"). */
  readonly what?: string;
}

export interface InputBytes {
  readonly bytes: Buffer;
  readonly kind: InputKind;
}

/** `-` and the names of standard input. */
export function isStdinName(path: string): boolean {
  return path === '-' || path === '/dev/stdin' || path === '/proc/self/fd/0' || path === '/dev/fd/0';
}

function errCode(e: unknown): string {
  const c = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : '';
  const m = e instanceof Error ? e.message : String(e);
  if (c === 'ENOENT') return 'no such file';
  if (c === 'EACCES' || c === 'EPERM') return 'permission denied';
  if (c === 'EISDIR') return 'is a directory, not a file';
  return c !== '' ? c : m;
}

function describe(st: Stats): string | null {
  if (st.isFile()) return null;
  if (st.isFIFO()) return null;
  if (st.isDirectory()) return 'is a directory, not a file';
  if (st.isCharacterDevice()) return 'is a character device, not a regular file (dmagate reads regular files, pipes, and - for standard input)';
  if (st.isBlockDevice()) return 'is a block device, not a regular file';
  if (st.isSocket()) return 'is a socket, not a regular file';
  return 'is not a regular file';
}

function mib(n: number): string {
  return n % MiB === 0 ? `${n / MiB} MiB` : `${n} bytes`;
}

/** An open input: its descriptor and what it is. Close it with closeInput. */
export interface OpenInput {
  readonly fd: number;
  readonly kind: InputKind;
  /** Size from fstat for regular files. */
  readonly size: number;
  readonly stdin: boolean;
}

/**
 * Opens `path` for reading under the rules above (stdin for `-`). Throws InputFileError for
 * what it refuses. Devices are refused from a stat before the open, so a FIFO-like device
 * is never opened; standard input is taken as it is when asked for explicitly.
 */
export function openInput(path: string, o: ReadInputOptions = {}): OpenInput {
  const max = o.maxBytes ?? INPUT_LIMITS.dump;
  const stdin = isStdinName(path);
  let fd: number;
  if (path === '-') fd = 0;
  else {
    if (!stdin) {
      // Refuse devices and directories before opening them: opening some devices acts.
      let pre: Stats;
      try {
        pre = statSync(path);
      } catch (e) {
        throw new InputFileError(path, errCode(e));
      }
      const why = describe(pre);
      if (why !== null) throw new InputFileError(path, why);
    }
    try {
      fd = openSync(path, 'r');
    } catch (e) {
      throw new InputFileError(path, errCode(e));
    }
  }
  let st: Stats;
  try {
    st = fstatSync(fd);
  } catch (e) {
    if (fd !== 0) closeSync(fd);
    throw new InputFileError(path, errCode(e));
  }
  const bad = describe(st);
  // Standard input asked for by name is read whatever it is (a terminal, `< /dev/zero`): the
  // caps below still bound it.
  if (bad !== null && !(stdin && !st.isDirectory())) {
    if (fd !== 0) closeSync(fd);
    throw new InputFileError(path, bad);
  }
  if (st.isFile() && st.size > max) {
    if (fd !== 0) closeSync(fd);
    throw new InputFileError(path, `${st.size} bytes is more than the ${mib(max)} a ${o.what ?? 'file'} may hold`);
  }
  return { fd, kind: st.isFile() ? 'file' : 'pipe', size: st.isFile() ? st.size : 0, stdin };
}

export function closeInput(h: OpenInput): void {
  if (h.fd !== 0) {
    try {
      closeSync(h.fd);
    } catch {
      // already closed
    }
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** readSync that waits out EAGAIN (standard input may be a non-blocking pipe or terminal). */
export function readSome(fd: number, buf: Uint8Array, at: number, len: number): number {
  for (let spins = 0; ; spins++) {
    try {
      return readSync(fd, buf, at, len, null);
    } catch (e) {
      const c = (e as NodeJS.ErrnoException).code;
      if (c === 'EAGAIN' || c === 'EWOULDBLOCK') {
        Atomics.wait(sleeper, 0, 0, Math.min(50, 1 + spins));
        continue;
      }
      if (c === 'EOF') return 0;
      throw e;
    }
  }
}

/** Reads the whole input (once), bounded. */
export function readInputBytes(path: string, o: ReadInputOptions = {}): InputBytes {
  return readOpened(openInput(path, o), path, o);
}

/** Reads an input opened by openInput to its end (bounded) and closes it. */
export function readOpened(h: OpenInput, path: string, o: ReadInputOptions = {}): InputBytes {
  const max = o.maxBytes ?? INPUT_LIMITS.dump;
  try {
    let buf = Buffer.allocUnsafe(h.kind === 'file' ? Math.min(h.size + 1, max + 1) : 64 * 1024);
    let n = 0;
    let lineStart = 0; // offset of the first byte after the last newline seen
    for (;;) {
      if (n === buf.length) {
        if (n > max) break;
        const bigger = Buffer.allocUnsafe(Math.min(max + 1, Math.max(buf.length * 2, 64 * 1024)));
        buf.copy(bigger, 0, 0, n);
        buf = bigger;
      }
      let got: number;
      try {
        got = readSome(h.fd, buf, n, buf.length - n);
      } catch (e) {
        throw new InputFileError(path, errCode(e));
      }
      if (got === 0) break;
      if (o.maxLine !== undefined) {
        const nl = buf.lastIndexOf(10, n + got - 1);
        if (nl >= n) lineStart = nl + 1;
        if (n + got - lineStart > o.maxLine) {
          const line = countLines(buf, lineStart) + 1;
          throw new InputFileError(path, `line ${line} is longer than ${mib(o.maxLine)} (line too long or unterminated)`);
        }
      }
      n += got;
      if (n > max) break;
    }
    if (n > max) throw new InputFileError(path, `more than the ${mib(max)} a ${o.what ?? 'file'} may hold`);
    return { bytes: buf.subarray(0, n), kind: h.kind };
  } finally {
    closeInput(h);
  }
}

function countLines(buf: Uint8Array, end: number): number {
  let c = 0;
  for (let i = buf.indexOf(10); i >= 0 && i < end; i = buf.indexOf(10, i + 1)) c++;
  return c;
}

/** The whole input as UTF-8 text (scenarios, variant lists), bounded. */
export function readInputText(path: string, o: ReadInputOptions = {}): string {
  return readInputBytes(path, o).bytes.toString('utf8');
}

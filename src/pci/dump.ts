// Reader for `lspci -x/-xxx/-xxxx` text dumps (pci-config-space.md §1.2; pciutils lib/dump.c,
// dump_init). Lines -> records -> config spaces. Syntax problems are PARSE issues with
// "file:line:col"; they never lose the other devices (lspci stops at the first one).
import { closeInput, INPUT_LIMITS, InputFileError, openInput, readOpened, readSome } from '../util/read-input.js';
import type { Bdf, ConfigIssue, ConfigSpace } from './types.js';

export interface DumpFunction {
  readonly bdf: Bdf;
  /** The rest of the address line (lspci's description on the source machine); ignored by lspci. */
  readonly description: string;
  readonly config: ConfigSpace;
  /** 1-based line of the address line. */
  readonly line: number;
}

export interface DumpParse {
  readonly functions: DumpFunction[];
  readonly issues: ConfigIssue[];
}

const MAX_LINE = 254; // lib/dump.c reads into a 256-byte buffer: 255+ characters is an error

/** PARSE issues kept per dump; the rest are counted into one "… and N more" issue. */
export const MAX_PARSE_ISSUES = 100;

/** Hex value of each byte, -1 for non-hex. */
const HEXV = (() => {
  const t = new Int8Array(256).fill(-1);
  for (let i = 0; i < 10; i++) t[48 + i] = i;
  for (let i = 0; i < 6; i++) {
    t[97 + i] = 10 + i;
    t[65 + i] = 10 + i;
  }
  return t;
})();

/**
 * lspci's own row layout, 16 bytes "hh" separated by single spaces at buf[p..p+47): store them
 * at out[at..at+16) and return true; false (and the 16 bytes reset to 0xff) if it is not that.
 */
function fastRow(buf: Uint8Array, p: number, out: Uint8Array, at: number): boolean {
  let bad = 0;
  for (let i = 0; i < 16; i++, p += 3) {
    const h = HEXV[buf[p]];
    const l = HEXV[buf[p + 1]];
    bad |= h | l | (i < 15 && buf[p + 2] !== 32 ? -1 : 0);
    out[at + i] = (h << 4) | l;
  }
  if (bad >= 0) return true;
  out.fill(0xff, at, at + 16);
  return false;
}

/** Count leading hex digits of buf[s..e). */
function hexRun(buf: Uint8Array, s: number, e: number): number {
  let i = s;
  while (i < e && HEXV[buf[i]] >= 0) i++;
  return i - s;
}

function hexNum(buf: Uint8Array, s: number, n: number): number {
  let v = 0;
  for (let i = 0; i < n; i++) v = v * 16 + HEXV[buf[s + i]];
  return v;
}

function latin1(buf: Uint8Array, s: number, e: number): string {
  let r = '';
  for (let i = s; i < e; i++) r += String.fromCharCode(buf[i]);
  return r;
}

/** Parse an address line `[DDDD:]BB:DD.F ` (domain of 4-6 hex digits) at buf[s..e); null if not one. */
function parseAddress(buf: Uint8Array, s: number, e: number): { bdf: Bdf; end: number } | null {
  const n1 = hexRun(buf, s, e);
  let domain = 0;
  let p = s;
  if (n1 >= 4 && n1 <= 6 && buf[s + n1] === 58 /* : */) {
    domain = hexNum(buf, s, n1);
    p = s + n1 + 1;
  } else if (n1 !== 2) return null;
  // BB:DD.F then a space
  if (p + 8 > e) return null;
  if (hexRun(buf, p, p + 2) !== 2 || buf[p + 2] !== 58) return null;
  if (hexRun(buf, p + 3, p + 5) !== 2 || buf[p + 5] !== 46 /* . */) return null;
  const f = HEXV[buf[p + 6]];
  if (f < 0 || buf[p + 7] !== 32) return null;
  return { bdf: { domain, bus: hexNum(buf, p, 2), dev: hexNum(buf, p + 3, 2), fn: f }, end: p + 8 };
}

/** Config bytes are written straight into 1 MiB slabs: each function reserves 4096 bytes
 * (pre-filled with 0xff: unmentioned bytes read as 0xff, lib/dump.c) and keeps what it used. */
const ALL_ONES = new Uint8Array(4096).fill(0xff);

class Slab {
  buf = new Uint8Array(0);
  base = 0; // start of the current reservation
  /** Streaming: one 4096-byte buffer reused by every function (fresh memory costs page faults). */
  constructor(private readonly reuse = false) {}
  reserve(): void {
    if (this.reuse) {
      if (this.buf.length === 0) this.buf = new Uint8Array(4096);
      this.buf.set(ALL_ONES, 0);
      return;
    }
    if (this.base + 4096 > this.buf.length) {
      this.buf = new Uint8Array(1 << 20);
      this.base = 0;
    }
    this.buf.set(ALL_ONES, this.base); // TypedArray.set is a memmove; fill() of a range is not
  }
  /** Keep `n` bytes of the reservation; returns them. */
  commit(n: number): Uint8Array {
    if (this.reuse) return this.buf.subarray(0, n);
    const v = this.buf.subarray(this.base, this.base + n);
    this.base += (n + 7) & ~7;
    return v;
  }
}

/** Syntax error found by the last parseDataLine call (column, message), or col 0. */
const dataErr = { col: 0, message: '' };

/**
 * Store the bytes of data line buf[s..e) (offset of n hex digits) into out[base + offset] and
 * return the offset after the last byte stored; a syntax error stops the line and is left in
 * `dataErr`. Kept apart from the reader so this hot loop is optimised on its own.
 */
function parseDataLine(buf: Uint8Array, s: number, e: number, n: number, out: Uint8Array, base: number): number {
  const start = hexNum(buf, s, n);
  let off = start;
  let p = s + n + 2;
  dataErr.col = 0;
  // lspci's own layout: exactly 16 bytes "hh" separated by single spaces
  if (e - p === 47 && off <= 4096 - 16) {
    let ok = 0;
    for (let i = 0; i < 16; i++, p += 3) {
      const h = HEXV[buf[p]];
      const l = HEXV[buf[p + 1]];
      ok |= h | l | (i < 15 && buf[p + 2] !== 32 ? -1 : 0);
      out[base + off + i] = (h << 4) | l;
    }
    if (ok >= 0) return off + 16;
    out.fill(0xff, base + off, base + off + 16); // undo, then find the column the careful way
    p = s + n + 2;
  }
  while (p < e) {
    const h = HEXV[buf[p]];
    const l = p + 1 < e ? HEXV[buf[p + 1]] : -1;
    if (h < 0 || l < 0 || (p + 2 < e && buf[p + 2] !== 32)) {
      dataErr.col = p - s + 1;
      dataErr.message = 'malformed line: expected two hex digits separated by single spaces';
      break;
    }
    if (off >= 4096) {
      dataErr.col = p - s + 1;
      dataErr.message = `offset 0x${off.toString(16)} is beyond 4096 bytes`;
      break;
    }
    out[base + off++] = (h << 4) | l;
    p += 3;
  }
  return Math.min(off, 4096);
}

/** Incremental reader: feed it whole lines (a chunk ending after a newline, or the last one). */
class DumpReader {
  readonly functions: DumpFunction[] = [];
  readonly issues: ConfigIssue[] = [];
  private readonly slab: Slab;
  private cur: { bdf: Bdf; description: string; line: number } | null = null;
  private len = 0;
  private lineNo = 0;
  /** PARSE issues beyond MAX_PARSE_ISSUES: counted, not kept (15 M bad lines fit in memory). */
  private dropped = 0;
  /** Set by the callback returning false: stop reading. */
  stopped = false;
  constructor(
    private readonly filename: string,
    private readonly onFunction?: (f: DumpFunction) => boolean | void,
  ) {
    this.slab = new Slab(onFunction !== undefined);
  }

  private parseIssue(line: number, col: number, message: string): void {
    if (this.issues.length >= MAX_PARSE_ISSUES) {
      this.dropped++;
      return;
    }
    this.issues.push({ code: 'PARSE', offset: line, cap: 'dump', message, where: `${this.filename}:${line}:${col}` });
  }

  /** The "… and N more" issue, once, after the last line. */
  finish(): void {
    if (this.dropped > 0) {
      this.issues.push({ code: 'PARSE', offset: this.lineNo, cap: 'dump', message: `… and ${this.dropped} more syntax error${this.dropped === 1 ? '' : 's'} (only the first ${MAX_PARSE_ISSUES} are listed)`, where: `${this.filename}` });
      this.dropped = 0;
    }
  }

  close(): void {
    if (this.cur) {
      const bytes = this.slab.commit(this.len);
      const f = { bdf: this.cur.bdf, description: this.cur.description, line: this.cur.line, config: { bytes, length: this.len } };
      if (!this.onFunction) this.functions.push(f);
      else if (this.onFunction(f) === false) this.stopped = true;
    }
    this.cur = null;
    this.len = 0;
  }

  /** Process the lines in buf[start..end); a final line without newline counts as a line. */
  feed(buf: Uint8Array, start: number, end: number): void {
    const slab = this.slab;
    let pos = start;
    while (pos < end && !this.stopped) {
      // Fast path for lspci's own rows ("oo: " or "ooo: " + 16 bytes + LF) inside a device.
      if (this.cur !== null && HEXV[buf[pos]] >= 0 && HEXV[buf[pos + 1]] >= 0) {
        const n = buf[pos + 2] === 58 ? 2 : HEXV[buf[pos + 2]] >= 0 && buf[pos + 3] === 58 ? 3 : 0;
        const eol = pos + n + 49;
        if (n && eol < end && buf[eol] === 10 && buf[pos + n + 1] === 32) {
          const off = hexNum(buf, pos, n);
          if (off <= 4096 - 16 && fastRow(buf, pos + n + 2, slab.buf, slab.base + off)) {
            this.lineNo++;
            if (off + 16 > this.len) this.len = off + 16;
            pos = eol + 1;
            continue;
          }
        }
      }
      const lineNo = ++this.lineNo;
      let nl = buf.indexOf(10, pos);
      if (nl < 0 || nl > end) nl = end;
      let e = nl;
      if (e > pos && buf[e - 1] === 13) e--; // CR before LF
      const s = pos;
      pos = nl + 1;
      if (e - s > MAX_LINE) {
        this.parseIssue(lineNo, MAX_LINE + 1, 'line too long (lspci rejects lines of 255 or more characters)');
        continue;
      }
      if (e === s) {
        this.close(); // an empty line ends the current device
        continue;
      }
      if (HEXV[buf[s]] < 0) continue; // decoded text, tabs, prompts: ignored as lspci does
      // data line: 2-8 hex digits, ": ", then bytes (checked first: by far the most common line)
      const n = hexRun(buf, s, e);
      if (n >= 2 && n <= 8 && buf[s + n] === 58 && buf[s + n + 1] === 32) {
        if (!this.cur) continue; // data before any address line: ignored, as lib/dump.c does
        const off = parseDataLine(buf, s, e, n, slab.buf, slab.base);
        if (dataErr.col) this.parseIssue(lineNo, dataErr.col, dataErr.message);
        if (off > this.len) this.len = off;
        continue;
      }
      const addr = parseAddress(buf, s, e);
      if (addr) {
        this.close();
        this.slab.reserve();
        this.cur = { bdf: addr.bdf, description: latin1(buf, addr.end, e), line: lineNo };
        if (addr.bdf.dev > 0x1f || addr.bdf.fn > 7) {
          this.parseIssue(lineNo, 1, `address ${latin1(buf, s, addr.end - 1)} out of range (device 00-1f, function 0-7)`);
        }
      }
    }
  }

  /** Lines read so far. */
  get lines(): number {
    return this.lineNo;
  }
}

/**
 * Parse an lspci hex dump holding any number of functions: its text, or its raw bytes.
 * `filename` only labels issues (`where: "file:line:col"`).
 */
export function parseDump(input: string | Uint8Array, filename = '<dump>'): DumpParse {
  const buf = typeof input === 'string' ? Buffer.from(input, 'latin1') : input;
  const r = new DumpReader(filename);
  r.feed(buf, 0, buf.length);
  r.close();
  r.finish();
  return { functions: r.functions, issues: r.issues };
}

const CHUNK = 1 << 20;

/** A dump to parse: a path (a regular file, streamed and re-readable) or the bytes of a pipe,
 * read once (a pipe cannot be read twice: `cat x | dmagate lspci -F /dev/stdin`). */
export type DumpSource = string | { readonly bytes: Uint8Array; readonly name: string };

/** Longest line read before giving up: lspci stops at its 256-byte buffer ("line too long or
 * unterminated"); we report lines of 255+ characters and go on, but stop at 1 MiB. */
export const MAX_DUMP_LINE = CHUNK;

function tooLong(file: string, line: number): InputFileError {
  return new InputFileError(file, `line ${line} is longer than ${MAX_DUMP_LINE / CHUNK} MiB (line too long or unterminated)`);
}

/**
 * Opens a dump given by the user (lspci -F, a scenario's `config: { dump }`) through the one
 * bounded reader: a regular file stays a path (streamed by parseDumpFile); a pipe is read here,
 * once, bounded (INPUT_LIMITS.dump, MAX_DUMP_LINE). Devices, directories: InputFileError.
 */
export function openDumpSource(path: string): DumpSource {
  const h = openInput(path, { what: 'dump' });
  if (h.kind === 'file' && !h.stdin) {
    closeInput(h);
    return path;
  }
  // a pipe: read from this very descriptor (closing and reopening a FIFO would cut its writer)
  return { bytes: readOpened(h, path, { what: 'dump', maxLine: MAX_DUMP_LINE }).bytes, name: path };
}

/**
 * Parse a dump file in 1 MiB chunks through one reused buffer (big dumps: no file-sized
 * allocation), or the bytes of a DumpSource read once. Throws InputFileError when the file
 * cannot be read, is not a regular file or pipe, is over INPUT_LIMITS.dump, or has a line
 * over MAX_DUMP_LINE.
 *
 * With `onFunction`, functions are streamed instead of collected (`functions` comes back
 * empty): each one's config bytes live in a buffer reused for the next function, so the
 * callback must not keep them; returning false stops the reading.
 */
export function parseDumpFile(src: DumpSource, filename = typeof src === 'string' ? src : src.name, onFunction?: (f: DumpFunction) => boolean | void): DumpParse {
  const r = new DumpReader(filename, onFunction);
  if (typeof src !== 'string') {
    r.feed(src.bytes, 0, src.bytes.length);
    if (!r.stopped) r.close();
    r.finish();
    return { functions: r.functions, issues: r.issues };
  }
  const path = src;
  const buf = new Uint8Array(CHUNK + 1024);
  const h = openInput(path, { what: 'dump' });
  let total = 0;
  try {
    let have = 0; // bytes carried over from the previous chunk (an unfinished line)
    for (;;) {
      if (r.stopped) break;
      const n = readSome(h.fd, buf, have, buf.length - have);
      total += n;
      if (total > INPUT_LIMITS.dump) throw new InputFileError(path, `more than the ${INPUT_LIMITS.dump / CHUNK} MiB a dump may hold`);
      const end = have + n;
      if (n === 0) {
        r.feed(buf, 0, end);
        break;
      }
      let last = end - 1;
      while (last >= 0 && buf[last] !== 10) last--;
      if (last < 0 && end < buf.length) {
        have = end; // no newline yet: read more
        continue;
      }
      // no newline in a full buffer: a line far too long (or no line at all, /dev/zero-like)
      if (last < 0) throw tooLong(path, r.lines + 1);
      r.feed(buf, 0, last + 1);
      buf.copyWithin(0, last + 1, end);
      have = end - last - 1;
    }
  } catch (e) {
    if (e instanceof InputFileError) throw e;
    throw new InputFileError(path, (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e)));
  } finally {
    closeInput(h);
  }
  if (!r.stopped) r.close();
  r.finish();
  return { functions: r.functions, issues: r.issues };
}

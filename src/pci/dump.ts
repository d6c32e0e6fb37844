// Reader for `lspci -x/-xxx/-xxxx` text dumps (pci-config-space.md §1.2; pciutils lib/dump.c,
// dump_init). Lines -> records -> config spaces. Syntax problems are PARSE issues with
// "file:line:col"; they never lose the other devices (lspci stops at the first one).
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

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Count leading hex digits of text[s..e). */
function hexRun(text: string, s: number, e: number): number {
  let i = s;
  while (i < e && hexVal(text.charCodeAt(i)) >= 0) i++;
  return i - s;
}

function hexNum(text: string, s: number, n: number): number {
  let v = 0;
  for (let i = 0; i < n; i++) v = v * 16 + hexVal(text.charCodeAt(s + i));
  return v;
}

/** Parse an address line `[DDDD:]BB:DD.F ` (domain of 4-6 hex digits) at text[s..e); null if not one. */
function parseAddress(text: string, s: number, e: number): { bdf: Bdf; end: number } | null {
  const n1 = hexRun(text, s, e);
  let domain = 0;
  let p = s;
  if (n1 >= 4 && n1 <= 6 && text.charCodeAt(s + n1) === 58 /* : */) {
    domain = hexNum(text, s, n1);
    p = s + n1 + 1;
  } else if (n1 !== 2) return null;
  // BB:DD.F then a space
  if (p + 8 > e) return null;
  if (hexRun(text, p, p + 2) !== 2 || text.charCodeAt(p + 2) !== 58) return null;
  if (hexRun(text, p + 3, p + 5) !== 2 || text.charCodeAt(p + 5) !== 46 /* . */) return null;
  const f = hexVal(text.charCodeAt(p + 6));
  if (f < 0 || text.charCodeAt(p + 7) !== 32) return null;
  return { bdf: { domain, bus: hexNum(text, p, 2), dev: hexNum(text, p + 3, 2), fn: f }, end: p + 8 };
}

class Builder {
  buf = new Uint8Array(4096).fill(0xff);
  len = 0;
  constructor(
    readonly bdf: Bdf,
    readonly description: string,
    readonly line: number,
  ) {}
  finish(): DumpFunction {
    const bytes = this.buf.slice(0, Math.max(this.len, 0));
    return { bdf: this.bdf, description: this.description, line: this.line, config: { bytes, length: this.len } };
  }
}

/**
 * Parse the text of an lspci hex dump holding any number of functions.
 * `filename` only labels issues (`where: "file:line:col"`).
 */
export function parseDump(text: string, filename = '<dump>'): DumpParse {
  const functions: DumpFunction[] = [];
  const issues: ConfigIssue[] = [];
  let cur: Builder | null = null;
  let lineNo = 0;
  let pos = 0;
  const total = text.length;
  const parseIssue = (line: number, col: number, message: string): void => {
    issues.push({ code: 'PARSE', offset: line, cap: 'dump', message, where: `${filename}:${line}:${col}` });
  };
  const close = (): void => {
    if (cur) functions.push(cur.finish());
    cur = null;
  };
  while (pos < total) {
    lineNo++;
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = total;
    let e = nl;
    if (e > pos && text.charCodeAt(e - 1) === 13) e--; // CR before LF
    const s = pos;
    pos = nl + 1;
    if (e - s > MAX_LINE) {
      parseIssue(lineNo, MAX_LINE + 1, 'line too long (lspci rejects lines of 255 or more characters)');
      continue;
    }
    if (e === s) {
      close(); // an empty line ends the current device
      continue;
    }
    const c0 = text.charCodeAt(s);
    if (hexVal(c0) < 0) continue; // decoded text, tabs, prompts: ignored as lspci does
    const addr = parseAddress(text, s, e);
    if (addr) {
      close();
      cur = new Builder(addr.bdf, text.slice(addr.end, e), lineNo);
      if (addr.bdf.dev > 0x1f || addr.bdf.fn > 7) {
        parseIssue(lineNo, 1, `address ${text.slice(s, addr.end - 1)} out of range (device 00-1f, function 0-7)`);
      }
      continue;
    }
    // data line: 2-8 hex digits, ": ", then bytes
    const n = hexRun(text, s, e);
    if (n < 2 || n > 8 || text.charCodeAt(s + n) !== 58 || text.charCodeAt(s + n + 1) !== 32) continue;
    if (!cur) continue; // data before any address line: ignored, as lib/dump.c does
    const b: Builder = cur;
    let off = hexNum(text, s, n);
    let p = s + n + 2;
    while (p < e) {
      const h = hexVal(text.charCodeAt(p));
      const l = p + 1 < e ? hexVal(text.charCodeAt(p + 1)) : -1;
      const after = p + 2 < e ? text.charCodeAt(p + 2) : 32;
      if (h < 0 || l < 0 || after !== 32) {
        parseIssue(lineNo, p - s + 1, 'malformed line: expected two hex digits separated by single spaces');
        break;
      }
      if (off >= 4096) {
        parseIssue(lineNo, p - s + 1, `offset 0x${off.toString(16)} is beyond 4096 bytes`);
        break;
      }
      b.buf[off] = (h << 4) | l;
      off++;
      if (off > b.len) b.len = off;
      p += 3;
    }
  }
  close();
  return { functions, issues };
}

/** `[DDDD:]BB:DD.F` as lspci prints it (domain only when non-zero or `alwaysDomain`). */
export function formatBdf(b: Bdf, alwaysDomain = false): string {
  const h2 = (x: number): string => (x < 16 ? '0' : '') + x.toString(16);
  const base = `${h2(b.bus)}:${h2(b.dev)}.${b.fn}`;
  return b.domain || alwaysDomain ? `${b.domain.toString(16).padStart(4, '0')}:${base}` : base;
}

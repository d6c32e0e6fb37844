// Bounded little-endian reads of a ConfigSpace. Every decoder goes through `avail` first:
// bytes at or beyond `length` are unavailable (pci-config-space.md §1), never zero.
import type { ConfigIssue, ConfigIssueCode, ConfigSpace } from './types.js';

/** True when [off, off+len) lies inside the readable part of the config space. */
export function avail(cs: ConfigSpace, off: number, len: number): boolean {
  return off >= 0 && len >= 0 && off + len <= cs.length && off + len <= cs.bytes.length;
}

export function rd8(cs: ConfigSpace, off: number): number {
  return cs.bytes[off];
}

export function rd16(cs: ConfigSpace, off: number): number {
  const b = cs.bytes;
  return b[off] | (b[off + 1] << 8);
}

export function rd32(cs: ConfigSpace, off: number): number {
  const b = cs.bytes;
  return (b[off] | (b[off + 1] << 8) | (b[off + 2] << 16) | (b[off + 3] << 24)) >>> 0;
}

/** Build an issue (decoders collect these instead of throwing). */
export function issue(code: ConfigIssueCode, offset: number, cap: string, message: string): ConfigIssue {
  return { code, offset, cap, message };
}

/** `TRUNCATED` issue for a read of `len` bytes at `off` that the space cannot satisfy. */
export function truncated(cs: ConfigSpace, off: number, len: number, cap: string): ConfigIssue {
  return issue('TRUNCATED', off, cap, `needs bytes 0x${off.toString(16)}-0x${(off + len - 1).toString(16)}, only ${cs.length} readable`);
}

/** A ConfigSpace over a copy of `bytes`; length defaults to the byte count (max 4096). */
export function configSpace(bytes: Uint8Array, length?: number): ConfigSpace {
  const len = Math.max(0, Math.min(length ?? bytes.length, bytes.length, 4096));
  return { bytes, length: len };
}

export const hex = (n: number, w: number): string => n.toString(16).padStart(w, '0');

/** What a capability decoder returns: the value when the body was readable, and issues. */
export interface Decoded<T> {
  readonly value?: T;
  readonly issues: ConfigIssue[];
}

/** Check that [off, off+len) is readable; else a Decoded with one TRUNCATED issue. */
export function need<T>(cs: ConfigSpace, off: number, len: number, cap: string): Decoded<T> | null {
  return avail(cs, off, len) ? null : { issues: [truncated(cs, off, len, cap)] };
}

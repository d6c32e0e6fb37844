// Device Serial Number extended capability 0x0003 (pci-config-space.md §6.1). lspci: cap_dsn.
import { need, rd32, type Decoded } from '../config.js';
import type { ConfigSpace, DsnCap } from '../types.js';

export function decodeDsn(cs: ConfigSpace, off: number): Decoded<DsnCap> {
  const t = need<DsnCap>(cs, off + 4, 8, 'DSN');
  if (t) return t;
  const serial = (BigInt(rd32(cs, off + 8)) << 32n) | BigInt(rd32(cs, off + 4));
  return { value: { offset: off, serial }, issues: [] };
}

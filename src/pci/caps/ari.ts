// ARI extended capability 0x000e (pci_regs.h PCI_ARI_CAP; pci-config-space.md §6.3). lspci: cap_ari.
import { need, rd16, type Decoded } from '../config.js';
import type { AriCap, ConfigSpace } from '../types.js';

export function decodeAri(cs: ConfigSpace, off: number): Decoded<AriCap> {
  const t = need<AriCap>(cs, off + 4, 4, 'ARI');
  if (t) return t;
  return { value: { offset: off, nextFunction: (rd16(cs, off + 4) >> 8) & 0xff }, issues: [] };
}

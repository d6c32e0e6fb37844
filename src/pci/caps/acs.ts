// ACS extended capability 0x000d (pci_regs.h PCI_ACS_CAP, PCI_ACS_CTRL; pci-config-space.md §6.2).
// lspci: ls-ecaps.c cap_acs.
import { need, rd16, type Decoded } from '../config.js';
import type { AcsCap, ConfigSpace } from '../types.js';

export function decodeAcs(cs: ConfigSpace, off: number): Decoded<AcsCap> {
  const t = need<AcsCap>(cs, off + 4, 4, 'ACS');
  if (t) return t;
  const cap = rd16(cs, off + 4);
  const ctrl = rd16(cs, off + 6);
  const vec = (cap >> 8) & 0xff;
  // Egress Control Vector Size: 0 means 256 (PCIe Base 7.7.11.2).
  return { value: { offset: off, cap, ctrl, egressVectorSize: vec === 0 ? 256 : vec }, issues: [] };
}

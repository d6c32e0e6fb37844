// PASID extended capability 0x001b (pci_regs.h PCI_PASID_CAP, PCI_PASID_CTRL;
// pci-config-space.md §6.6). lspci: ls-ecaps.c cap_pasid.
import { need, rd16, type Decoded } from '../config.js';
import type { ConfigSpace, PasidCap } from '../types.js';

export function decodePasid(cs: ConfigSpace, off: number): Decoded<PasidCap> {
  const t = need<PasidCap>(cs, off + 4, 4, 'PASID');
  if (t) return t;
  const cap = rd16(cs, off + 4);
  const ctrl = rd16(cs, off + 6);
  return {
    value: {
      offset: off,
      exec: (cap & 2) !== 0,
      priv: (cap & 4) !== 0,
      maxWidth: (cap >> 8) & 0x1f,
      enabled: (ctrl & 1) !== 0,
      execEnabled: (ctrl & 2) !== 0,
      privEnabled: (ctrl & 4) !== 0,
    },
    issues: [],
  };
}

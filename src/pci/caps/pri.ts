// Page Request extended capability 0x0013 (pci_regs.h PCI_PRI_CTRL, PCI_PRI_STATUS;
// pci-config-space.md §6.5). lspci: ls-ecaps.c cap_pri.
import { need, rd16, rd32, type Decoded } from '../config.js';
import type { ConfigSpace, PriCap } from '../types.js';

export function decodePri(cs: ConfigSpace, off: number): Decoded<PriCap> {
  const t = need<PriCap>(cs, off + 4, 0xc, 'PRI');
  if (t) return t;
  const ctrl = rd16(cs, off + 4);
  const sta = rd16(cs, off + 6);
  return {
    value: {
      offset: off,
      enabled: (ctrl & 1) !== 0,
      reset: (ctrl & 2) !== 0,
      responseFailure: (sta & 1) !== 0,
      unexpectedPrgIndex: (sta & 2) !== 0,
      stopped: (sta & 0x100) !== 0,
      pasidRequired: (sta & 0x8000) !== 0,
      maxRequests: rd32(cs, off + 8),
      allocRequests: rd32(cs, off + 0xc),
    },
    issues: [],
  };
}

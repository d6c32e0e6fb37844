// ATS extended capability 0x000f (PCIe Base ch. 10; pci_regs.h PCI_ATS_CAP, PCI_ATS_CTRL;
// pci-config-space.md §6.4). lspci: ls-ecaps.c cap_ats.
import { need, rd16, type Decoded } from '../config.js';
import type { AtsCap, ConfigSpace } from '../types.js';

export function decodeAts(cs: ConfigSpace, off: number): Decoded<AtsCap> {
  const t = need<AtsCap>(cs, off + 4, 4, 'ATS');
  if (t) return t;
  const cap = rd16(cs, off + 4);
  const ctrl = rd16(cs, off + 6);
  return {
    value: {
      offset: off,
      invalidateQueueDepth: cap & 0x1f,
      pageAligned: (cap & 0x20) !== 0,
      globalInvalidate: (cap & 0x40) !== 0,
      relaxedOrdering: (cap & 0x80) !== 0,
      enabled: (ctrl & 0x8000) !== 0,
      stu: ctrl & 0x1f,
    },
    issues: [],
  };
}

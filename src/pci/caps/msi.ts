// MSI (id 0x05) and MSI-X (id 0x11) presence and enable state (pci_regs.h PCI_MSI_FLAGS,
// PCI_MSIX_FLAGS). lspci: ls-caps.c cap_msi, cap_msix.
import { need, rd16, type Decoded } from '../config.js';
import type { ConfigSpace, PciFunction } from '../types.js';

export type MsiCap = NonNullable<PciFunction['msi']>;
export type MsixCap = NonNullable<PciFunction['msix']>;

export function decodeMsi(cs: ConfigSpace, off: number): Decoded<MsiCap> {
  const t = need<MsiCap>(cs, off, 4, 'MSI');
  if (t) return t;
  const ctrl = rd16(cs, off + 2);
  return { value: { offset: off, enabled: (ctrl & 1) !== 0, is64: (ctrl & 0x80) !== 0, maskable: (ctrl & 0x100) !== 0 }, issues: [] };
}

/** tableSize is the number of vectors (Table Size field + 1, as lspci's Count=). */
export function decodeMsix(cs: ConfigSpace, off: number): Decoded<MsixCap> {
  const t = need<MsixCap>(cs, off, 4, 'MSI-X');
  if (t) return t;
  const ctrl = rd16(cs, off + 2);
  return { value: { offset: off, enabled: (ctrl & 0x8000) !== 0, tableSize: (ctrl & 0x7ff) + 1 }, issues: [] };
}

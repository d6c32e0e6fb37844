// PCI Express capability, id 0x10 (pci-config-space.md §4; pci_regs.h PCI_EXP_FLAGS,
// PCI_EXP_DEVCAP2). lspci: ls-caps.c cap_express.
import { avail, need, rd16, rd32, type Decoded } from '../config.js';
import type { ConfigSpace, PcieCap, PcieDevicePortType } from '../types.js';

const TYPES: Readonly<Record<number, PcieDevicePortType>> = {
  0: 'endpoint',
  1: 'legacy-endpoint',
  4: 'root-port',
  5: 'upstream-port',
  6: 'downstream-port',
  7: 'pcie-to-pci-bridge',
  8: 'pci-to-pcie-bridge',
  9: 'rc-integrated-endpoint',
  10: 'rc-event-collector',
};

export const PCI_EXP_DEVCAP2_ARI = 1 << 5;
export const PCI_EXP_DEVCAP2_EE_PREFIX = 1 << 21;

export function portTypeName(raw: number): PcieDevicePortType {
  return TYPES[raw] ?? 'unknown';
}

export function decodeExpress(cs: ConfigSpace, off: number): Decoded<PcieCap> {
  const t = need<PcieCap>(cs, off, 4, 'PCIe');
  if (t) return t;
  const flags = rd16(cs, off + 2);
  const version = flags & 0xf;
  const typeRaw = (flags >> 4) & 0xf;
  const value: { -readonly [K in keyof PcieCap]: PcieCap[K] } = {
    offset: off,
    version,
    type: portTypeName(typeRaw),
    typeRaw,
    slotImplemented: (flags & 0x100) !== 0,
    interruptMessageNumber: (flags >> 9) & 0x1f,
  };
  // Device Capabilities 2 exists only for capability version 2 (PCIe r2.0+).
  if (version >= 2 && avail(cs, off + 0x24, 4)) {
    const devcap2 = rd32(cs, off + 0x24);
    value.ariForwarding = (devcap2 & PCI_EXP_DEVCAP2_ARI) !== 0;
    value.endEndTlpPrefix = (devcap2 & PCI_EXP_DEVCAP2_EE_PREFIX) !== 0;
    value.maxEndEndTlpPrefixes = (devcap2 >>> 22) & 3;
  }
  return { value, issues: [] };
}

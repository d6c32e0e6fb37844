// CXL "PCIe DVSEC for CXL Devices" (DVSEC id 0; CXL 2.0 8.1.3; drivers/cxl/cxlpci.h
// CXL_DVSEC_PCIE_DEVICE; pci-config-space.md §7.1). lspci: ls-ecaps.c dvsec_cxl_device.
import { avail, issue, rd16, rd32, type Decoded } from '../config.js';
import type { ConfigSpace, CxlDeviceDvsec } from '../types.js';

export const CXL_DVSEC_PCIE_DEVICE_LEN = 0x38;

/** Decode at `off` (the extended capability header). Needs 0x38 readable bytes. */
export function decodeCxlDevice(cs: ConfigSpace, off: number): Decoded<CxlDeviceDvsec> {
  if (!avail(cs, off, CXL_DVSEC_PCIE_DEVICE_LEN)) {
    return { issues: [issue('TRUNCATED', off, 'CXL DVSEC 0', 'PCIe DVSEC for CXL Devices needs 0x38 readable bytes')] };
  }
  const cap = rd16(cs, off + 0x0a);
  const ctrl = rd16(cs, off + 0x0c);
  const ranges = [0x18, 0x28].map((r) => {
    const sizeLowRaw = rd32(cs, off + r + 4);
    const size = (BigInt(rd32(cs, off + r)) << 32n) | BigInt((sizeLowRaw & 0xf0000000) >>> 0);
    const base = (BigInt(rd32(cs, off + r + 8)) << 32n) | BigInt(rd32(cs, off + r + 0xc));
    return { size, base, sizeLowRaw };
  });
  return {
    value: {
      cap,
      cacheCapable: (cap & 1) !== 0,
      ioCapable: (cap & 2) !== 0,
      memCapable: (cap & 4) !== 0,
      memHwInit: (cap & 8) !== 0,
      hdmCount: (cap >> 4) & 3,
      ctrl,
      cacheEnable: (ctrl & 1) !== 0,
      memEnable: (ctrl & 4) !== 0,
      status: rd16(cs, off + 0x0e),
      ranges,
    },
    issues: [],
  };
}

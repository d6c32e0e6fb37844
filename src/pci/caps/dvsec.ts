// Designated Vendor-Specific Extended Capability 0x0023 (PCIe Base 7.9.6; pci-config-space.md
// §6.8, §7). Dispatch twice, as lspci's cap_dvsec / cap_dvsec_cxl: by vendor, then CXL id.
import { avail, issue, rd16, rd32, type Decoded } from '../config.js';
import { CXL_DVSEC_PCIE_DEVICE_LEN, decodeCxlDevice } from './cxl-device.js';
import { PCI_VENDOR_ID_CXL, type ConfigIssue, type ConfigSpace, type DvsecCap } from '../types.js';

/** CXL DVSEC ids (CXL 2.0 section 8.1; same numbering in 3.x). */
export const CXL_DVSEC_NAMES: Readonly<Record<number, string>> = {
  0: 'PCIe DVSEC for CXL Devices',
  2: 'Non-CXL Function Map DVSEC',
  3: 'CXL 2.0 Extensions DVSEC for Ports',
  4: 'GPF DVSEC for CXL Ports',
  5: 'GPF DVSEC for CXL Devices',
  7: 'PCIe DVSEC for Flex Bus Port',
  8: 'Register Locator DVSEC',
  9: 'MLD DVSEC',
  0xa: 'DVSEC for Test Capability',
};

/** Minimum lengths per CXL DVSEC id (CXL 2.0 8.1.x). */
const CXL_MIN_LEN: Readonly<Record<number, number>> = { 0: 0x38, 2: 0x2c, 3: 0x28, 4: 0x10, 5: 0x10, 7: 0x14, 8: 0x0c, 9: 0x10 };

export function decodeDvsec(cs: ConfigSpace, off: number): Decoded<DvsecCap> {
  if (!avail(cs, off + 4, 6)) return { issues: [issue('TRUNCATED', off + 4, 'DVSEC', 'DVSEC headers 1 and 2 not readable')] };
  const h1 = rd32(cs, off + 4);
  const vendor = h1 & 0xffff;
  const revision = (h1 >>> 16) & 0xf;
  const length = h1 >>> 20;
  const id = rd16(cs, off + 8);
  const issues: ConfigIssue[] = [];
  const label = vendor === PCI_VENDOR_ID_CXL ? `CXL DVSEC ${id}` : 'DVSEC';
  if (length < 0x0a) issues.push(issue('BAD_LENGTH', off + 4, label, `DVSEC length ${length} is shorter than its 10-byte header`));
  else if (off + length > 4096) issues.push(issue('BAD_LENGTH', off + 4, label, `DVSEC length ${length} runs past 4096`));
  if (vendor !== PCI_VENDOR_ID_CXL) return { value: { offset: off, vendor, revision, length, id }, issues };
  const cxlName = CXL_DVSEC_NAMES[id];
  if (cxlName === undefined) issues.push(issue('UNKNOWN_ID', off + 8, label, `unknown CXL DVSEC id 0x${id.toString(16)}`));
  const min = CXL_MIN_LEN[id];
  if (min !== undefined && length < min) issues.push(issue('BAD_LENGTH', off + 4, label, `length ${length} < ${min} required for ${cxlName}`));
  if (id === 0 && length >= CXL_DVSEC_PCIE_DEVICE_LEN) {
    const d = decodeCxlDevice(cs, off);
    issues.push(...d.issues);
    return { value: { offset: off, vendor, revision, length, id, cxlName, cxlDevice: d.value }, issues };
  }
  return { value: { offset: off, vendor, revision, length, id, cxlName: cxlName ?? `CXL DVSEC id 0x${id.toString(16)}` }, issues };
}

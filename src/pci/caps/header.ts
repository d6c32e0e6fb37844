// The 64-byte header, types 0/1/2 (pci-config-space.md §2; pci_regs.h PCI_VENDOR_ID ..).
import { avail, issue, rd16, rd8, type Decoded } from '../config.js';
import type { ConfigSpace, Header } from '../types.js';

export const PCI_STATUS_CAP_LIST = 0x10;

/** Decode the header; null value when fewer than 64 bytes are readable. */
export function decodeHeader(cs: ConfigSpace): Decoded<Header> {
  if (!avail(cs, 0, 64)) {
    return { issues: [issue('TRUNCATED', cs.length, 'header', `only ${cs.length} bytes readable, the header needs 64`)] };
  }
  const status = rd16(cs, 0x06);
  const ht = rd8(cs, 0x0e);
  const headerType = ht & 0x7f;
  const capPtrOff = headerType === 2 ? 0x14 : 0x34;
  const bridge = headerType === 1 || headerType === 2;
  const value: { -readonly [K in keyof Header]: Header[K] } = {
    vendorId: rd16(cs, 0x00),
    deviceId: rd16(cs, 0x02),
    command: rd16(cs, 0x04),
    status,
    revision: rd8(cs, 0x08),
    progIf: rd8(cs, 0x09),
    subclass: rd8(cs, 0x0a),
    classCode: rd8(cs, 0x0b),
    headerType,
    multifunction: (ht & 0x80) !== 0,
    capabilitiesPointer: status & PCI_STATUS_CAP_LIST ? rd8(cs, capPtrOff) & ~3 : null,
  };
  if (headerType === 0) {
    value.subsystemVendorId = rd16(cs, 0x2c);
    value.subsystemId = rd16(cs, 0x2e);
  } else if (bridge) {
    value.primaryBus = rd8(cs, 0x18);
    value.secondaryBus = rd8(cs, 0x19);
    value.subordinateBus = rd8(cs, 0x1a);
  }
  if (headerType > 2) return { value, issues: [issue('UNKNOWN_ID', 0x0e, 'header', `unknown header type ${headerType}`)] };
  return { value, issues: [] };
}

// Vital Product Data body (capability 0x03) as pciutils 3.9.0 prints it at -vv (ls-vpd.c
// cap_vpd): the resources of the VPD image (PCI Local Bus 3.0 6.4 / PCIe Base 6.28), read from
// sysfs `vpd` (lspci's pci_read_vpd). From a dump there is no VPD: "Not readable".

const PCI_VPD_ADDR_MASK = 0x7fff;

type Format = 'binary' | 'text' | 'resvd' | 'rdwr';
// The 3.9.0 table, measured against live lspci one keyword at a time (it differs from later
// pciutils: MN is text, and CC/FC/FN/NA/RM and Z* are known)
const ITEMS: readonly [string, string, Format, string][] = [
  ['C', 'P', 'binary', 'Extended capability'],
  ['E', 'C', 'text', 'Engineering changes'],
  ['M', 'N', 'text', 'Manufacture ID'],
  ['P', 'N', 'text', 'Part number'],
  ['R', 'V', 'resvd', 'Reserved'],
  ['R', 'W', 'rdwr', 'Read-write area'],
  ['S', 'N', 'text', 'Serial number'],
  ['Y', 'A', 'text', 'Asset tag'],
  ['C', 'C', 'text', 'CCIN'],
  ['F', 'C', 'text', 'Feature code'],
  ['F', 'N', 'text', 'FRU'],
  ['N', 'A', 'text', 'Network address'],
  ['R', 'M', 'text', 'Firmware version'],
  ['Z', '', 'text', 'Product specific'],
  ['V', '', 'text', 'Vendor specific'],
  ['Y', '', 'text', 'System specific'],
];

/** print_vpd_string: `\` doubled, C0 controls and DEL as \xNN; dmagate also writes the C1
 * range (0x80-0x9f) as \xNN so that device text cannot drive a terminal (lspci prints it raw). */
function vpdString(b: Uint8Array): string {
  let s = '';
  for (const ch of b) {
    if (ch === 0x5c) s += '\\\\';
    else if (ch < 32 || ch === 127 || (ch >= 0x80 && ch <= 0x9f)) s += `\\x${ch.toString(16).padStart(2, '0')}`;
    else s += String.fromCharCode(ch);
  }
  return s;
}
const vpdBinary = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');

/** Body lines for the VPD bytes (null: not readable). */
export function vpdBody(vpd: Uint8Array | null): string {
  let csum = 0;
  // read_vpd: all `len` bytes at `pos` or nothing; every byte read goes into the checksum
  const read = (pos: number, len: number): Uint8Array | null => {
    if (!vpd || pos + len > vpd.length) return null;
    const b = vpd.subarray(pos, pos + len);
    for (const x of b) csum = (csum + x) & 0xff;
    return b;
  };
  let s = '';
  let addr = 0;
  while (addr <= PCI_VPD_ADDR_MASK) {
    const t = read(addr, 1);
    if (!t) break;
    let tag = t[0];
    let len: number;
    if (tag & 0x80) {
      if (addr > PCI_VPD_ADDR_MASK + 1 - 3) break;
      const l = read(addr + 1, 2);
      if (!l) break;
      len = l[0] + (l[1] << 8);
      addr += 3;
    } else {
      len = tag & 7;
      tag >>= 3;
      addr += 1;
    }
    if (len > PCI_VPD_ADDR_MASK + 1 - addr) break;
    let pos = 0;
    if (tag === 0x0f) return s + '\t\tEnd\n';
    if (tag === 0x82) {
      s += '\t\tProduct Name: ';
      while (pos < len) {
        const n = Math.min(len - pos, 256);
        const b = read(addr + pos, n);
        if (!b) break;
        s += vpdString(b);
        pos += n;
      }
      s += '\n';
    } else if (tag === 0x90 || tag === 0x91) {
      s += `\t\t${tag === 0x90 ? 'Read-only' : 'Read/write'} fields:\n`;
      while (pos + 3 <= len) {
        const h = read(addr + pos, 3);
        if (!h) break;
        pos += 3;
        const plen = h[2];
        if (plen > len - pos) break;
        const id1 = String.fromCharCode(h[0]);
        const id2 = String.fromCharCode(h[1]);
        const item = ITEMS.find(([a, b]) => a === id1 && (b === '' || b === id2));
        // the keyword's own two bytes (escaped like the text: they come from the device)
        const label = vpdString(h.subarray(0, 2));
        const fmt: Format = item ? item[2] : 'binary';
        const name = item ? item[3] : 'Unknown';
        // only the first byte of RV is read: the rest is not in the checksum
        const b = read(addr + pos, fmt === 'resvd' ? 1 : plen);
        if (!b) break;
        s += `\t\t\t[${label}] ${name}: `;
        if (fmt === 'text') s += vpdString(b) + '\n';
        else if (fmt === 'binary') s += vpdBinary(vpd!.subarray(addr + pos, addr + pos + plen)) + '\n';
        else if (fmt === 'resvd') s += `checksum ${csum ? 'bad' : 'good'}, ${plen - 1} byte(s) reserved\n`;
        else s += `${plen} byte(s) free\n`;
        pos += plen;
      }
    } else s += `\t\tUnknown ${tag & 0x80 ? 'large' : 'small'} resource type ${(tag & ~0x80).toString(16).padStart(2, '0')}\n`;
    addr += len;
  }
  return s + (addr === 0 ? '\t\tNot readable\n' : '\t\tNo end tag found\n');
}

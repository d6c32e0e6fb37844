// Advanced Error Reporting extended capability (0x0001) as pciutils 3.9.0 prints it
// (ls-ecaps.c cap_aer). Registers: include/uapi/linux/pci_regs.h PCI_ERR_*.
import { avail, rd16, rd32 } from '../config.js';
import type { ConfigSpace } from '../types.js';
import { fl, h2, h4, h8 } from './fmt.js';

const unc = (l: number): string =>
  `DLP${fl(l, 0x10)} SDES${fl(l, 0x20)} TLP${fl(l, 0x1000)} FCP${fl(l, 0x2000)} CmpltTO${fl(l, 0x4000)} CmpltAbrt${fl(l, 0x8000)} UnxCmplt${fl(l, 0x10000)} RxOF${fl(l, 0x20000)} ` +
  `MalfTLP${fl(l, 0x40000)} ECRC${fl(l, 0x80000)} UnsupReq${fl(l, 0x100000)} ACSViol${fl(l, 0x200000)}\n`;
const cor = (l: number): string => `RxErr${fl(l, 1)} BadTLP${fl(l, 0x40)} BadDLLP${fl(l, 0x80)} Rollover${fl(l, 0x100)} Timeout${fl(l, 0x1000)} AdvNonFatalErr${fl(l, 0x2000)}\n`;

/** `type` is the PCI Express Device/Port Type of the function (-1 without a PCIe capability). */
export function aerText(cs: ConfigSpace, off: number, type: number, verbose: number): string {
  let s = 'Advanced Error Reporting\n';
  if (verbose < 2 || !avail(cs, off + 4, 40)) return s;
  s += `\t\tUESta:\t${unc(rd32(cs, off + 4))}\t\tUEMsk:\t${unc(rd32(cs, off + 8))}\t\tUESvrt:\t${unc(rd32(cs, off + 0x0c))}`;
  s += `\t\tCESta:\t${cor(rd32(cs, off + 0x10))}\t\tCEMsk:\t${cor(rd32(cs, off + 0x14))}`;
  const l = rd32(cs, off + 0x18);
  s +=
    `\t\tAERCap:\tFirst Error Pointer: ${h2(l & 0x1f)}, ECRCGenCap${fl(l, 0x20)} ECRCGenEn${fl(l, 0x40)} ECRCChkCap${fl(l, 0x80)} ECRCChkEn${fl(l, 0x100)}\n` +
    `\t\t\tMultHdrRecCap${fl(l, 0x200)} MultHdrRecEn${fl(l, 0x400)} TLPPfxPres${fl(l, 0x800)} HdrLogCap${fl(l, 0x1000)}\n`;
  s += `\t\tHeaderLog: ${h8(rd32(cs, off + 0x1c))} ${h8(rd32(cs, off + 0x20))} ${h8(rd32(cs, off + 0x24))} ${h8(rd32(cs, off + 0x28))}\n`;
  // PCI_EXP_TYPE_ROOT_PORT, PCI_EXP_TYPE_ROOT_EC
  if (type === 4 || type === 10) {
    if (!avail(cs, off + 0x2c, 12)) return s;
    const c = rd32(cs, off + 0x2c);
    s += `\t\tRootCmd: CERptEn${fl(c, 1)} NFERptEn${fl(c, 2)} FERptEn${fl(c, 4)}\n`;
    const r = rd32(cs, off + 0x30);
    s +=
      `\t\tRootSta: CERcvd${fl(r, 1)} MultCERcvd${fl(r, 2)} UERcvd${fl(r, 4)} MultUERcvd${fl(r, 8)}\n` +
      `\t\t\t FirstFatal${fl(r, 0x10)} NonFatalMsg${fl(r, 0x20)} FatalMsg${fl(r, 0x40)} IntMsg ${r >>> 27}\n`;
    s += `\t\tErrorSrc: ERR_COR: ${h4(rd16(cs, off + 0x34))} ERR_FATAL/NONFATAL: ${h4(rd16(cs, off + 0x36))}\n`;
  }
  return s;
}

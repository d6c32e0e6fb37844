// Extended capabilities as lspci 3.9.0 prints them (ls-ecaps.c): full text for DSN, ACS, ARI,
// ATS, PRI, PASID, SR-IOV and DVSEC (CXL bodies in cxl.ts); other ids by name only.
import { avail, rd16, rd32, rd8 } from '../config.js';
import { extCapName } from '../caps/names.js';
import type { ConfigSpace } from '../types.js';
import { PCI_VENDOR_ID_CXL } from '../types.js';
import { printCxlDvsec } from './cxl.js';
import { aerText } from './aer.js';
import { doeText, dpcText, l1pmText, ltrText, multicastText, ptmText, rcecText, rclinkText, rebarText, secText, tphText, vcText } from './ext-bodies.js';
import { fl, h2, h3, h4, h8 } from './fmt.js';

/** Append the text after `\tCapabilities: [xxx vN] ` for extended capability `id` at `off`. */
export function printExtCap(cs: ConfigSpace, id: number, off: number, verbose: number, out: string[], pcieType = -1): void {
  switch (id) {
    case 0x01: return void out.push(aerText(cs, off, pcieType, verbose));
    case 0x02:
    case 0x09: return void out.push(vcText(cs, off, verbose));
    case 0x05: return void out.push(rclinkText(cs, off, verbose));
    case 0x07: return void out.push(rcecText(cs, off, verbose));
    case 0x12: return void out.push(multicastText(cs, off, verbose, pcieType));
    case 0x15: return void out.push(rebarText(cs, off, verbose, false));
    case 0x17: return void out.push(tphText(cs, off, verbose));
    case 0x18: return void out.push(ltrText(cs, off, verbose));
    case 0x19: return void out.push(secText(cs, off, verbose));
    case 0x1d: return void out.push(dpcText(cs, off, verbose));
    case 0x1e: return void out.push(l1pmText(cs, off, verbose));
    case 0x1f: return void out.push(ptmText(cs, off, verbose));
    case 0x24: return void out.push(rebarText(cs, off, verbose, true));
    case 0x2e: return void out.push(doeText(cs, off, verbose));
    case 0x03: return dsn(cs, off, out);
    case 0x0b: return vsec(cs, off, out);
    case 0x0d: return acs(cs, off, verbose, out);
    case 0x0e: return ari(cs, off, verbose, out);
    case 0x0f: return ats(cs, off, verbose, out);
    case 0x10: return sriov(cs, off, verbose, out);
    case 0x13: return pri(cs, off, verbose, out);
    case 0x1b: return pasid(cs, off, verbose, out);
    case 0x23: return dvsec(cs, off, verbose, out);
    default:
      out.push(extCapName(id) + '\n');
  }
}

// cap_dsn: nothing at all (not even a newline) when the 8 bytes cannot be read.
function dsn(cs: ConfigSpace, off: number, out: string[]): void {
  if (!avail(cs, off + 4, 8)) return;
  const lo = rd32(cs, off + 4);
  const hi = rd32(cs, off + 8);
  out.push(
    `Device Serial Number ${h2(hi >>> 24)}-${h2(hi >>> 16)}-${h2(hi >>> 8)}-${h2(hi)}-${h2(lo >>> 24)}-${h2(lo >>> 16)}-${h2(lo >>> 8)}-${h2(lo)}\n`,
  );
}

function vsec(cs: ConfigSpace, off: number, out: string[]): void {
  if (!avail(cs, off + 4, 4)) return void out.push('Vendor Specific Information: <unreadable>\n');
  const h = rd32(cs, off + 4);
  out.push(`Vendor Specific Information: ID=${h4(h & 0xffff)} Rev=${(h >>> 16) & 0xf} Len=${h3(h >>> 20)} <?>\n`);
}

const acsBits = (w: number): string =>
  `SrcValid${fl(w, 1)} TransBlk${fl(w, 2)} ReqRedir${fl(w, 4)} CmpltRedir${fl(w, 8)} UpstreamFwd${fl(w, 0x10)} EgressCtrl${fl(w, 0x20)} DirectTrans${fl(w, 0x40)}`;

function acs(cs: ConfigSpace, off: number, verbose: number, out: string[]): void {
  out.push('Access Control Services\n');
  if (verbose < 2 || !avail(cs, off + 4, 4)) return;
  out.push(`\t\tACSCap:\t${acsBits(rd16(cs, off + 4))}\n\t\tACSCtl:\t${acsBits(rd16(cs, off + 6))}\n`);
}

function ari(cs: ConfigSpace, off: number, verbose: number, out: string[]): void {
  out.push('Alternative Routing-ID Interpretation (ARI)\n');
  if (verbose < 2 || !avail(cs, off + 4, 4)) return;
  const c = rd16(cs, off + 4);
  const t = rd16(cs, off + 6);
  out.push(`\t\tARICap:\tMFVC${fl(c, 1)} ACS${fl(c, 2)}, Next Function: ${c >> 8}\n\t\tARICtl:\tMFVC${fl(t, 1)} ACS${fl(t, 2)}, Function Group: ${(t >> 4) & 7}\n`);
}

function ats(cs: ConfigSpace, off: number, verbose: number, out: string[]): void {
  out.push('Address Translation Service (ATS)\n');
  if (verbose < 2 || !avail(cs, off + 4, 4)) return;
  const c = rd16(cs, off + 4);
  const t = rd16(cs, off + 6);
  out.push(`\t\tATSCap:\tInvalidate Queue Depth: ${h2(c & 0x1f)}\n\t\tATSCtl:\tEnable${fl(t, 0x8000)}, Smallest Translation Unit: ${h2(t & 0x1f)}\n`);
}

function pri(cs: ConfigSpace, off: number, verbose: number, out: string[]): void {
  out.push('Page Request Interface (PRI)\n');
  if (verbose < 2 || !avail(cs, off + 4, 0xc)) return;
  const c = rd16(cs, off + 4);
  const s = rd16(cs, off + 6);
  out.push(
    `\t\tPRICtl: Enable${fl(c, 1)} Reset${fl(c, 2)}\n\t\tPRISta: RF${fl(s, 1)} UPRGI${fl(s, 2)} Stopped${fl(s, 0x100)}\n` +
      `\t\tPage Request Capacity: ${h8(rd32(cs, off + 8))}, Page Request Allocation: ${h8(rd32(cs, off + 0xc))}\n`,
  );
}

function pasid(cs: ConfigSpace, off: number, verbose: number, out: string[]): void {
  out.push('Process Address Space ID (PASID)\n');
  if (verbose < 2 || !avail(cs, off + 4, 4)) return;
  const c = rd16(cs, off + 4);
  const t = rd16(cs, off + 6);
  out.push(`\t\tPASIDCap: Exec${fl(c, 2)} Priv${fl(c, 4)}, Max PASID Width: ${h2((c >> 8) & 0x1f)}\n\t\tPASIDCtl: Enable${fl(t, 1)} Exec${fl(t, 2)} Priv${fl(t, 4)}\n`);
}

function sriov(cs: ConfigSpace, off: number, verbose: number, out: string[]): void {
  out.push('Single Root I/O Virtualization (SR-IOV)\n');
  if (verbose < 2 || !avail(cs, off + 4, 0x3c)) return;
  const cap = rd32(cs, off + 4);
  const ctl = rd16(cs, off + 8);
  let s =
    `\t\tIOVCap:\tMigration${fl(cap, 1)} 10BitTagReq${fl(cap, 4)} Interrupt Message Number: ${h3(cap >>> 21)}\n` +
    `\t\tIOVCtl:\tEnable${fl(ctl, 1)} Migration${fl(ctl, 2)} Interrupt${fl(ctl, 4)} MSE${fl(ctl, 8)} ARIHierarchy${fl(ctl, 0x10)} 10BitTagReq${fl(ctl, 0x20)}\n` +
    `\t\tIOVSta:\tMigration${fl(rd16(cs, off + 0x0a), 1)}\n` +
    `\t\tInitial VFs: ${rd16(cs, off + 0x0c)}, Total VFs: ${rd16(cs, off + 0x0e)}, Number of VFs: ${rd16(cs, off + 0x10)}, Function Dependency Link: ${h2(rd8(cs, off + 0x12))}\n` +
    `\t\tVF offset: ${rd16(cs, off + 0x14)}, stride: ${rd16(cs, off + 0x16)}, Device ID: ${h4(rd16(cs, off + 0x1a))}\n` +
    `\t\tSupported Page Size: ${h8(rd32(cs, off + 0x1c))}, System Page Size: ${h8(rd32(cs, off + 0x20))}\n`;
  for (let i = 0; i < 6; i++) {
    let l = rd32(cs, off + 0x24 + 4 * i);
    if (l === 0xffffffff) l = 0;
    if (!l) continue;
    s += `\t\tRegion ${i}: Memory at `;
    const type = l & 6;
    if (type === 4) {
      i++;
      s += h8(rd32(cs, off + 0x24 + 4 * i));
    }
    s += `${h8((l & ~0xf) >>> 0)} (${type === 0 ? '32' : '64'}-bit, ${l & 8 ? '' : 'non-'}prefetchable)\n`;
  }
  const m = rd32(cs, off + 0x3c);
  out.push(s + `\t\tVF Migration: offset: ${h8((m & ~7) >>> 0)}, BIR: ${(m & 7).toString(16)}\n`);
}

function dvsec(cs: ConfigSpace, off: number, verbose: number, out: string[]): void {
  if (!avail(cs, off + 4, 8)) return void out.push('Designated Vendor-Specific: <unreadable>\n');
  const h = rd32(cs, off + 4);
  const vendor = h & 0xffff;
  const rev = (h >>> 16) & 0xf;
  const len = h >>> 20;
  const id = rd16(cs, off + 8);
  const title = `Designated Vendor-Specific: Vendor=${h4(vendor)} ID=${h4(id)} Rev=${rev} Len=${len}`;
  if (vendor === PCI_VENDOR_ID_CXL && len >= 16) {
    out.push(title + ': CXL\n');
    if (verbose >= 2 && avail(cs, off, len)) printCxlDvsec(cs, off, id, rev, len, out);
  } else out.push(title + ' <?>\n');
}

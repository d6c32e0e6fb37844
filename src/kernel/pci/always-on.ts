// RFC patches 1/3 and 2/3: pci_ats_always_on (P1–P6) — drivers/pci/ats.c:
// pci_ats_always_on, pci_cxl_ats_always_on; drivers/pci/quirks.c:
// pci_dev_specific_ats_always_on. v5/v6 renamed it pci_ats_required (same logic; checked
// against nicolinc/iommufd @ 9e01e6d3 drivers/pci/ats.c: a failed CXL Capability read is
// false there, and v6 dropped the redundant pci_ats_disabled() test since noats already
// leaves ats_cap 0 — results are identical).
//
// Usable without a Platform: `dmagate audit` calls pciAtsAlwaysOn on raw decoded functions.
import { PCI_VENDOR_ID_CXL, type PciFunction } from '../../pci/types.js';
import type { Platform } from '../platform.js';
import { pciDev } from './index.js';
import { pciDevUntrusted } from './trust.js';

export interface AlwaysOnResult {
  readonly value: boolean;
  /** The rule that decided (P1, P2, P4, P5, P6). */
  readonly rule: string;
  readonly why: string;
}

/** P6 drivers/pci/quirks.c (RFC patch 2/3): pre-CXL NVIDIA devices that need ATS always on.
 * v2 added a CX10-family NVLink-C2C id that the reference did not capture (§8). */
export const ATS_ALWAYS_ON_QUIRKS: readonly { readonly vendor: number; readonly device: number }[] = [
  { vendor: 0x10de, device: 0x2e12 },
  { vendor: 0x10de, device: 0x2e2a },
  { vendor: 0x10de, device: 0x2e2b },
];

/** PCIe DVSEC for CXL Devices (DVSEC id 0, vendor 0x1E98). */
const PCI_DVSEC_CXL_DEVICE = 0;

const hex4 = (n: number): string => n.toString(16).padStart(4, '0');

/** P1–P6 on decoded config space. `fn` is the function asked about (a VF's own ATS capability
 * decides P2); `pf` is given exactly when `fn` is a VF (P3 switches to it). `untrusted` is
 * dev->untrusted of `fn` (R2.2). */
export function pciAtsAlwaysOn(fn: PciFunction, ctx: { noats: boolean; untrusted: boolean; pf?: PciFunction }): AlwaysOnResult {
  // P1 drivers/pci/ats.c: pci_ats_always_on — pci_ats_disabled()
  if (ctx.noats) return { value: false, rule: 'P1', why: 'pci=noats' };
  // P2 pci_ats_supported(pdev) on the device itself (a VF's own ATS capability)
  if (fn.ats === undefined) return { value: false, rule: 'P2', why: ctx.pf ? 'VF has no ATS capability of its own' : 'no ATS capability' };
  if (ctx.untrusted) return { value: false, rule: 'P2', why: 'device is untrusted' };
  // P3 a VF inherits its PF's requirement
  const target = ctx.pf ?? fn;
  const via = ctx.pf ? 'PF ' : '';
  // P4 pci_find_dvsec_capability(pdev, PCI_VENDOR_ID_CXL, PCI_DVSEC_CXL_DEVICE)
  const dvsec = target.dvsecs.find((d) => d.vendor === PCI_VENDOR_ID_CXL && d.id === PCI_DVSEC_CXL_DEVICE);
  // P5 CXL Capability (DVSEC + 0x0A) bit 0 Cache_Capable; an unreadable register is false (v5+).
  // The RFC ignored the read status, and drivers/pci/access.c fills a failed read with all
  // ones (PCI_SET_ERROR_RESPONSE), so RFCv1 would have said true there; v5/v6 is modelled.
  if (dvsec?.cxlDevice?.cacheCapable === true) return { value: true, rule: 'P5', why: `${via}CXL DVSEC Cache_Capable = 1` };
  // P6 drivers/pci/quirks.c: pci_dev_specific_ats_always_on on the PF's vendor:device
  const h = target.header;
  if (h !== null && ATS_ALWAYS_ON_QUIRKS.some((q) => q.vendor === h.vendorId && q.device === h.deviceId)) {
    return { value: true, rule: 'P6', why: `${via}${hex4(h.vendorId)}:${hex4(h.deviceId)} is in the pre-CXL quirk table` };
  }
  if (dvsec === undefined) return { value: false, rule: 'P4', why: `${via}no CXL DVSEC (1e98, id 0) and not a quirked id` };
  if (dvsec.cxlDevice === undefined) return { value: false, rule: 'P5', why: `${via}CXL Capability register unreadable and not a quirked id` };
  return { value: false, rule: 'P5', why: `${via}CXL DVSEC Cache_Capable = 0 and not a quirked id` };
}

/** pci_ats_always_on(dev) on a platform device: noats from the command line, untrusted from
 * R2.2, the PF from DeviceDesc.physfn. */
export function pciAtsAlwaysOnDev(p: Platform, dev: string): AlwaysOnResult {
  const d = pciDev(p, dev);
  return pciAtsAlwaysOn(d.desc.config, {
    noats: p.cmdline.noats,
    untrusted: pciDevUntrusted(p, dev),
    pf: d.isVirtfn ? d.physfn.config : undefined,
  });
}

// R1.26–R1.29 drivers/pci/ats.c: PASID (pci_enable_pasid, pci_disable_pasid,
// pci_pasid_features, pci_max_pasids) and drivers/pci/probe.c: pci_configure_eetlp_prefix.
// Checked against nicolinc/iommufd @ 9e01e6d3 drivers/pci/ats.c and the mainline patch
// "PCI: Store # of supported End-End TLP Prefixes" (eetlp_prefix_path -> eetlp_prefix_max).
import { ACS } from '../../pci/types.js';
import type { Platform } from '../platform.js';
import type { Errno, TraceEntry } from '../types.js';
import { pciAcsPathEnabled } from './acs.js';
import { pciDev, pciIndex, type PciDevInfo } from './index.js';
import { pciDevState, withPciDev, type PciOut, type PciStates } from './state.js';

/** include/uapi/linux/pci_regs.h: PCI_PASID_CAP_EXEC / PCI_PASID_CAP_PRIV. */
export const PCI_PASID_CAP_EXEC = 0x2;
export const PCI_PASID_CAP_PRIV = 0x4;

const tr = (fn: string, dev: string, rule: string, detail: string): TraceEntry => ({ fn, dev, rule, detail });

/** drivers/pci/probe.c: pci_configure_eetlp_prefix — dev->eetlp_prefix_max: 0 unless the
 * function supports End-End TLP Prefixes (DevCap2 bit 21) and is a Root Port / RCiEP, or
 * its upstream bridge already has a nonzero value; DevCap2 field 00b means 4. */
export function pciEetlpPrefixMax(p: Platform, dev: string): number {
  const ix = pciIndex(p);
  const chain: PciDevInfo[] = [];
  let cur: PciDevInfo | undefined = pciDev(p, dev);
  while (cur !== undefined && chain.length <= p.devices.length) {
    chain.push(cur);
    cur = cur.upstream === null ? undefined : ix.byName.get(cur.upstream.name);
  }
  let above = 0; // the bridge's value, resolved top-down
  for (let i = chain.length - 1; i >= 0; i--) {
    const d = chain[i];
    const pcie = d.desc.config.pcie;
    let v = 0;
    if (pcie !== undefined && pcie.endEndTlpPrefix === true) {
      const max = pcie.maxEndEndTlpPrefixes || 4;
      if (d.pcieType === 'root-port' || d.pcieType === 'rc-integrated-endpoint') v = max;
      else if (i < chain.length - 1 && above !== 0) v = max;
    }
    above = v;
  }
  return above;
}

function pasidSupported(d: PciDevInfo): number {
  const c = d.desc.config.pasid;
  if (c === undefined) return 0;
  return (c.exec ? PCI_PASID_CAP_EXEC : 0) | (c.priv ? PCI_PASID_CAP_PRIV : 0);
}

/** R1.26 drivers/pci/ats.c: pci_enable_pasid — the seven checks in the kernel's order. */
export function pciEnablePasid(p: Platform, st: PciStates, dev: string, features: number): PciOut {
  const fn = 'pci_enable_pasid';
  const d = pciDev(p, dev);
  const s = pciDevState(st, dev);
  const fail = (errno: Errno, why: string): PciOut => ({ ret: errno, pci: st, trace: [tr(fn, dev, 'R1.26', `${why} -> -${errno}`)] });
  if (d.isVirtfn) {
    // step 1: VFs share the PF's PASID configuration
    const pfOn = pciDevState(st, d.physfn.name).pasidEnabled;
    return pfOn ? { ret: 0, pci: st, trace: [tr(fn, dev, 'R1.26', `VF: PF ${d.physfn.name} PASID enabled -> 0`)] } : fail('EINVAL', `VF: PF ${d.physfn.name} PASID not enabled`);
  }
  if (s.pasidEnabled) return fail('EBUSY', 'WARN_ON(pdev->pasid_enabled)'); // step 2
  if (pciEetlpPrefixMax(p, dev) === 0 && d.desc.pasidNoTlp !== true) return fail('EINVAL', 'no End-End TLP Prefix support on the path (eetlp_prefix_max 0) and no pasid_no_tlp'); // step 3
  if (d.desc.config.pasid === undefined) return fail('EINVAL', 'no PASID capability'); // step 4
  if (!pciAcsPathEnabled(p, dev, null, ACS.RR | ACS.UF)) return fail('EINVAL', 'ACS RR|UF not enabled on the path to the root'); // step 5
  const supported = pasidSupported(d);
  if ((supported & features) !== features) return fail('EINVAL', `features 0x${features.toString(16)} outside supported 0x${supported.toString(16)}`); // step 6
  const trace: TraceEntry[] = [];
  if (s.atsEnabled) trace.push(tr(fn, dev, 'R1.27', 'WARN(model): PASID Enable changed while ATS Enable is set (PCIe r4.0 §10.5.1.3: undefined); the kernel itself does not check'));
  trace.push(tr(fn, dev, 'R1.26', `write PASID_CTRL = Enable | 0x${features.toString(16)}; pasid_enabled = 1 -> 0`)); // step 7
  return { ret: 0, pci: withPciDev(st, dev, { pasidEnabled: true, pasidFeatures: features }), trace };
}

/** R1.28 drivers/pci/ats.c: pci_disable_pasid — VF no-op; not enabled WARN; write 0. */
export function pciDisablePasid(p: Platform, st: PciStates, dev: string): PciOut {
  const fn = 'pci_disable_pasid';
  const d = pciDev(p, dev);
  const s = pciDevState(st, dev);
  if (d.isVirtfn) return { ret: 0, pci: st, trace: [tr(fn, dev, 'R1.28', 'VF: shares the PF PASID, no-op')] };
  if (!s.pasidEnabled) return { ret: 0, pci: st, trace: [tr(fn, dev, 'R1.28', 'WARN_ON(!pdev->pasid_enabled): no change')] };
  if (d.desc.config.pasid === undefined) return { ret: 0, pci: st, trace: [] };
  const trace: TraceEntry[] = [];
  if (s.atsEnabled) trace.push(tr(fn, dev, 'R1.27', 'WARN(model): PASID disabled while ATS Enable is set (PASID must be disabled after ATS); the kernel itself does not check'));
  trace.push(tr(fn, dev, 'R1.28', 'write PASID_CTRL = 0; pasid_enabled = 0'));
  return { ret: 0, pci: withPciDev(st, dev, { pasidEnabled: false }), trace };
}

/** R1.29 drivers/pci/ats.c: pci_pasid_features — the PF's Exec|Priv mask for a VF. */
export function pciPasidFeatures(p: Platform, dev: string): number | Errno {
  const pf = pciDev(p, pciDev(p, dev).physfn.name);
  if (pf.desc.config.pasid === undefined) return 'EINVAL';
  return pasidSupported(pf);
}

/** R1.29 drivers/pci/ats.c: pci_max_pasids — 1 << Max PASID Width, of the PF for a VF. */
export function pciMaxPasids(p: Platform, dev: string): number | Errno {
  const c = pciDev(p, dev).physfn.config.pasid;
  if (c === undefined) return 'EINVAL';
  return 2 ** c.maxWidth;
}

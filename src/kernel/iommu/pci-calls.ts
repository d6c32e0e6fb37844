// Calls into the drivers/pci/ats.c model (src/kernel/pci/ats.ts) on behalf of an IOMMU
// driver. The PCI functions take and return a record of PCI states by name; we hand them
// only the device and its PF (all they read: R1.14, R1.25b, R1.26 look at the PF), so a
// call is O(1) on any platform, and write the device's new state back into the model.
import * as ats from '../pci/ats.js';
import type { PciDevState, PciOut, PciStates } from '../pci/state.js';
import { dev, info, setDev, type Tx } from '../tx.js';

function view(tx: Tx, name: string): PciStates {
  const d = info(tx, name);
  // a dictionary-mode object: 100,000 distinct device names as literal keys would each grow
  // V8's hidden-class transition tree (measured: the bench's superlinear GC time)
  const rec = Object.create(null) as Record<string, PciDevState>;
  rec[name] = dev(tx, name).pci;
  if (d.physfn !== null) {
    const pf = tx.ix.devs[d.physfn].name;
    rec[pf] = dev(tx, pf).pci;
  }
  return rec;
}

function apply(tx: Tx, name: string, out: PciOut): number | string {
  const next = out.pci[name];
  if (next !== undefined && next !== dev(tx, name).pci) setDev(tx, name, { pci: next });
  for (const t of out.trace) tx.trace.push(t);
  return out.ret;
}

/** 0 on success, an Errno string otherwise. */
export type PciRet = number | string;

export const pciAtsSupported = (tx: Tx, name: string): boolean => ats.pciAtsSupported(tx.p, name);
export const pciAtsPageAligned = (tx: Tx, name: string): boolean => ats.pciAtsPageAligned(tx.p, name);
export const pciMaxPasids = (tx: Tx, name: string): number => {
  const r = ats.pciMaxPasids(tx.p, name);
  return typeof r === 'number' ? r : 0;
};
export const pciPrepareAts = (tx: Tx, name: string, ps: number): PciRet => apply(tx, name, ats.pciPrepareAts(tx.p, view(tx, name), name, ps));
export const pciEnableAts = (tx: Tx, name: string, ps: number): PciRet => apply(tx, name, ats.pciEnableAts(tx.p, view(tx, name), name, ps));
export const pciDisableAts = (tx: Tx, name: string): PciRet => apply(tx, name, ats.pciDisableAts(tx.p, view(tx, name), name));
export const pciEnablePasid = (tx: Tx, name: string, features: number): PciRet => apply(tx, name, ats.pciEnablePasid(tx.p, view(tx, name), name, features));
export const pciDisablePasid = (tx: Tx, name: string): PciRet => apply(tx, name, ats.pciDisablePasid(tx.p, view(tx, name), name));
export const pciEnablePri = (tx: Tx, name: string, reqs: number): PciRet => apply(tx, name, ats.pciEnablePri(tx.p, view(tx, name), name, reqs));
export const pciDisablePri = (tx: Tx, name: string): PciRet => apply(tx, name, ats.pciDisablePri(tx.p, view(tx, name), name));

/** PCI_PASID_CAP_EXEC | PCI_PASID_CAP_PRIV as the device supports them (pci_pasid_features). */
export function pasidFeatures(tx: Tx, name: string): number {
  const d = info(tx, name);
  const cap = (d.physfn === null ? d : tx.ix.devs[d.physfn]).desc.config.pasid;
  if (cap === undefined) return 0;
  return (cap.exec ? 0x2 : 0) | (cap.priv ? 0x4 : 0);
}

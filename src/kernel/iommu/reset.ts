// reset(d): a PCI function reset (sysfs `reset` → pci_reset_function; VFIO_DEVICE_RESET →
// pci_try_reset_function) and, since v7.0, the IOMMU core's fence around it.
//
// Kernel source read (drivers/iommu/iommu.c, "iommu: Introduce pci_dev_reset_iommu_prepare/done()",
// c279e83953d9, with d769711fcddd "Fix nested pci_dev_reset_iommu_prepare/done()"; called by
// every method of drivers/pci/pci.c pci_reset_fn_methods, PCIe r6.0 §10.3.1 implementation note):
//   prepare: nothing when !pci_ats_supported(pdev) or the device has no IOMMU; -EBUSY on re-entry;
//     the RID is attached to group->blocking_domain (group->domain kept), every PASID domain is
//     removed (iommu_remove_dev_pasid, pasid_array kept), group->resetting_domain set — concurrent
//     attaches get -EBUSY (one event here: nothing can interleave).
//   done: the RID re-attached to group->domain (skipped when group->domain is NULL), the PASIDs
//     re-set from pasid_array, resetting_domain cleared.
// The reset itself clears ATS Enable in the function; pci_dev_restore → pci_restore_state →
// pci_restore_ats_state rewrites it when dev->ats_enabled (R1.19), so PCI's view is unchanged.
// v6.1 has no prepare/done: the reset is invisible to the IOMMU.
// Not modelled: which reset method exists (the model assumes one; pci_reset_function returns
// -ENOTTY without), and that a parked PASID is re-set through the vendor's set_dev_pasid
// (the model keeps the PASID attached throughout, as pasid_array does).
import { dev, grp, info, log, OK, type Tx } from '../tx.js';
import type { KReturn } from '../types.js';
import { pciAtsSupported } from '../pci/ats.js';
import { blockingKind } from './parking.js';
import { iommuOpsFor } from './registry.js';

export function pciResetFunction(tx: Tx, name: string): KReturn {
  log(tx, 'pci_reset_function', name, 'R1.19', `${info(tx, name).isBridge ? 'bus' : 'flr'} reset`);
  const d = dev(tx, name);
  const hooked = tx.prof.resetParksInBlocking && d.probeErr === null && pciAtsSupported(tx.p, name);
  const dom = hooked ? grp(tx, name).domain : null;
  const block = blockingKind(tx);
  if (hooked && dom !== null && dom !== block) {
    log(tx, 'pci_dev_reset_iommu_prepare', name, 'R1.19', `RID ${dom} -> ${block} for the reset${d.pasid ? '; PASID domains removed (pasid_array kept)' : ''}`);
    iommuOpsFor(tx.p).attachDev(tx, name, block);
  } else if (hooked) {
    log(tx, 'pci_dev_reset_iommu_prepare', name, 'R1.19', dom === null ? 'no group->domain: nothing staged' : `RID already in ${block}`);
  }
  if (dev(tx, name).pci.atsEnabled) log(tx, 'pci_restore_ats_state', name, 'R1.19', 'ATS Enable (and STU) rewritten after the reset');
  if (hooked && dom !== null && dom !== block) {
    iommuOpsFor(tx.p).attachDev(tx, name, dom);
    log(tx, 'pci_dev_reset_iommu_done', name, 'R1.19', `RID re-attached to ${dom}${d.pasid ? '; PASIDs re-set' : ''}`);
  }
  return OK;
}

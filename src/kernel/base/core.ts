// Enumeration and hot-removal (drivers/pci/probe.c pci_device_add → device_add → the IOMMU
// bus notifier, R4.18; drivers/pci/remove.c pci_stop_and_remove_bus_device → device_del).
import { iommuProbeDeferredToBind, iommuProbeDevice, iommuReleaseDevice } from '../iommu/core.js';
import { DEV_ABSENT } from '../state.js';
import { OK, dev, fail, info, log, setDev, type Tx } from '../tx.js';
import type { KReturn } from '../types.js';
import { deviceReleaseDriver } from './dd.js';
import { vfioUnbind } from '../vfio/vfio.js';

/** probe(d): enumeration plus the IOMMU probe, as one step (VERIFICATION "Semantics"). */
export function pciDeviceAdd(tx: Tx, name: string): KReturn {
  if (dev(tx, name).present) return fail('EEXIST', `${name} already present`);
  setDev(tx, name, { ...DEV_ABSENT, present: true });
  if (iommuProbeDeferredToBind(tx)) {
    // profiles.ts smmuProbeAtBind: no fwspec before dma_configure; the probe returns -ENODEV
    // quietly and really_probe's pci_dma_configure probes the device later (probeErr marks it)
    setDev(tx, name, { probeErr: 'EPROBE_DEFER' });
    log(tx, 'pci_device_add', name, 'R4.18', 'BUS_NOTIFY_ADD_DEVICE: no fwspec yet (arm_smmu_probe_device -ENODEV): IOMMU probe at the first driver bind');
    return OK;
  }
  log(tx, 'pci_device_add', name, 'R4.18', 'BUS_NOTIFY_ADD_DEVICE -> iommu_probe_device');
  return iommuProbeDevice(tx, name);
}



/** device_release_driver for whatever is bound. */
export function deviceReleaseAny(tx: Tx, name: string): void {
  const d = dev(tx, name);
  if (d.drv === 'none') return;
  // the PF driver's remove disables SR-IOV first (sriov_disable → pci_iov_remove_virtfn)
  for (const vf of info(tx, name).vfs) {
    const n = tx.ix.devs[vf].name;
    if (dev(tx, n).present) pciStopAndRemoveBusDevice(tx, n);
  }
  if (d.drv === 'own') deviceReleaseDriver(tx, name);
  else vfioUnbind(tx, name);
}

/** remove(d): unbind first, then iommu_release_device; a re-added device is new. */
export function pciStopAndRemoveBusDevice(tx: Tx, name: string): KReturn {
  if (!dev(tx, name).present) return fail('ENODEV', `${name} not present`);
  for (const c of info(tx, name).children) {
    const n = tx.ix.devs[c].name;
    if (dev(tx, n).present) pciStopAndRemoveBusDevice(tx, n);
  }
  deviceReleaseAny(tx, name);
  iommuReleaseDevice(tx, name);
  setDev(tx, name, DEV_ABSENT);
  log(tx, 'pci_stop_and_remove_bus_device', name, 'R4.18', 'device_del');
  return OK;
}

/** unbind(d) / vfio-unbind(d) — drivers/base/dd.c __device_release_driver. A PF's VFs go
 * first: SR-IOV PF drivers call pci_disable_sriov in their remove (drivers/pci/iov.c
 * sriov_disable → pci_iov_remove_virtfn), and VFs exist only while the PF driver is bound
 * (VERIFICATION.md "Semantics"). */
export function deviceUnbindWithVfs(tx: Tx, name: string, want: 'own' | 'vfio'): KReturn {
  if (dev(tx, name).drv !== want) return fail('EINVAL', `${name} is not bound to ${want === 'own' ? 'its own driver' : 'vfio-pci'}`);
  deviceReleaseAny(tx, name);
  return OK;
}

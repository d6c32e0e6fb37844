// drivers/base/dd.c really_probe / __device_release_driver with drivers/pci/pci-driver.c
// pci_dma_configure / pci_dma_cleanup (R4.22, R4.23), D3/D4 gating and the D9 DMA-mode enum.
import { iommuDeviceUnuseDefaultDomain, iommuDeviceUseDefaultDomain, iommuProbeAtDmaConfigure, groupDevices, iommuGroupSetDomain, restingDomain, iommuDetachDevicePasid } from '../iommu/core.js';
import { iommuDmaPrepareMsi } from '../iommu/msi.js';
import { blockingKind, lockedOff } from '../iommu/parking.js';
import { OK, dev, fail, grp, info, log, setDev, type Tx } from '../tx.js';
import type { KReturn } from '../types.js';
import { isMsiOnlyBound, ownDriverDmaMode } from './dma-mode.js';

/** Gates every driver bind: D3 step 4 (userspace binds only accepted devices) and D11. */
export function bindGate(tx: Tx, name: string): KReturn {
  if (tx.v.bootDmaSecurity && !dev(tx, name).accepted) {
    return fail('EPERM', `${name} not accepted by userspace (D3 step 4/5)`);
  }
  if (lockedOff(tx, name)) return fail('EPERM', `${name}'s group is locked off: hypervisor-given require_direct in a CC guest (D11)`);
  return OK;
}

/** really_probe for the device's own driver (R4.22): dev->driver set, dma_configure, probe. */
export function deviceBind(tx: Tx, name: string): KReturn {
  const i = info(tx, name);
  const drv = i.desc.driver;
  if (drv === null) return fail('ENODEV', `${name} has no driver`);
  if (dev(tx, name).drv !== 'none') return fail('EBUSY', `${name} already bound`);
  const gate = bindGate(tx, name);
  if (!gate.ok) return gate;
  const mode = ownDriverDmaMode(tx.v, i);
  log(tx, 'really_probe', name, 'R4.22', `driver ${drv.name} (${mode}) -> pci_dma_configure`);
  const late = iommuProbeAtDmaConfigure(tx, name);
  if (!late.ok) return late;
  if (mode === 'normal') {
    // R4.23 pci_dma_configure: !driver_managed_dma → iommu_device_use_default_domain
    const r = iommuDeviceUseDefaultDomain(tx, name);
    if (!r.ok) {
      log(tx, 'really_probe', name, 'R4.23', `dma_configure failed -${r.errno}: bind fails`);
      return r;
    }
  } else if (mode === 'msi-only' && tx.v.dmaModeEnum && dev(tx, name).probeErr === null) {
    // D9 (Jason, Feb 24): MSI_ONLY binding switches BLOCKED to an empty DMA domain; no ownership
    const g = grp(tx, name);
    if (g.owner !== null) return fail('EBUSY', `group owned by ${g.owner}: MSI_ONLY bind refused (D9)`);
    if (g.domain === blockingKind(tx)) {
      const r = iommuGroupSetDomain(tx, name, 'empty-dma', 'D9');
      if (!r.ok) return r;
    }
  }
  setDev(tx, name, { drv: 'own' });
  if (drv.usesMsi) setDev(tx, name, { msi: iommuDmaPrepareMsi(tx, name) });
  return OK;
}

/** __device_release_driver for the device's own driver: remove (MSI freed, SVA unbound), then
 * pci_dma_cleanup (R4.22/R4.23), D4 re-park via unuse, D9 MSI_ONLY back to BLOCKED. */
export function deviceReleaseDriver(tx: Tx, name: string): void {
  const i = info(tx, name);
  const wasMsiOnly = isMsiOnlyBound(tx.v, i, dev(tx, name));
  if (dev(tx, name).pasid) iommuDetachDevicePasid(tx, name);
  log(tx, '__device_release_driver', name, 'R4.22', `${i.desc.driver?.name ?? '?'}: remove, free_irq, dma_cleanup`);
  setDev(tx, name, { drv: 'none', msi: 'none' });
  iommuDeviceUnuseDefaultDomain(tx, name);
  if (wasMsiOnly && dev(tx, name).probeErr === null && grp(tx, name).domain === 'empty-dma' && grp(tx, name).owner === null) {
    const rest = restingDomain(tx, name);
    const others = groupDevices(tx, name).some((m) => dev(tx, m).dmaUser);
    if (rest !== null && !others) iommuGroupSetDomain(tx, name, rest.kind, 'D9', rest.force);
  }
}

export function deviceUnbind(tx: Tx, name: string): KReturn {
  if (dev(tx, name).drv !== 'own') return fail('EINVAL', `${name} has no bound driver of its own`);
  deviceReleaseDriver(tx, name);
  return OK;
}

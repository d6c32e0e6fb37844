// R6 drivers/vfio (pci/vfio_pci.c, group.c, device_cdev.c; iommufd device bind/attach):
// vfio-pci binding (driver_managed_dma), DMA ownership claim, user domain attach/detach,
// release; SMMUv3 nested vEATS (R5.7).
import { bindGate } from '../base/dd.js';
import {
  groupDevices,
  iommuAttachGroup,
  iommuDetachDevicePasid,
  iommuDetachGroup,
  iommuDeviceClaimDmaOwner,
  iommuDeviceReleaseDmaOwner,
  iommuGroupSetDomain,
  iommuProbeAtDmaConfigure,
} from '../iommu/core.js';
import { isMsiOnlyBound } from '../base/dma-mode.js';
import { msiThroughIommu } from '../platform-index.js';
import { OK, dev, fail, ginfo, grp, info, log, setDev, type Tx } from '../tx.js';
import type { DomainKind, KReturn } from '../types.js';

/** R6.1: vfio-pci sets driver_managed_dma: binding takes no owner_cnt. */
export function vfioBind(tx: Tx, name: string): KReturn {
  if (info(tx, name).isBridge) return fail('EINVAL', 'vfio-pci binds endpoints only');
  if (dev(tx, name).drv !== 'none') return fail('EBUSY', `${name} already bound`);
  const gate = bindGate(tx, name);
  if (!gate.ok) return gate;
  const late = iommuProbeAtDmaConfigure(tx, name); // really_probe → pci_dma_configure (6.1 SMMUv3)
  if (!late.ok) return late;
  setDev(tx, name, { drv: 'vfio' });
  log(tx, 'vfio_pci_probe', name, 'R6.1', 'driver_managed_dma: no iommu_device_use_default_domain');
  return OK;
}

/** A fresh user domain does not inherit doorbell mappings (R4.34): vectors that members set
 * up in the previous user domain of that kind are lost. */
function freshUserDomain(tx: Tx, name: string, kind: DomainKind): void {
  for (const m of groupDevices(tx, name)) {
    const s = dev(tx, m).msi;
    if (s === 'unmanaged' || s === 'nested') setDev(tx, m, { msi: 'stale' });
  }
  log(tx, kind === 'nested' ? 'arm_vsmmu_alloc_domain_nested' : 'vfio_iommu_type1_attach_group', name, 'R6.3', `new ${kind} domain (MSI cookie at the SW_MSI base)`);
}

/** D10 (Jason, Feb 26): on ARM, VFIO refuses a multi-device group with a bound MSI_ONLY member. */
function d10Refuses(tx: Tx, name: string): boolean {
  if (!tx.v.dmaModeEnum || !msiThroughIommu(tx.p) || ginfo(tx, name).members.length < 2) return false;
  return groupDevices(tx, name).some((m) => m !== name && isMsiOnlyBound(tx.v, info(tx, m), dev(tx, m)));
}

/** VFIO_GROUP_SET_CONTAINER (drivers/vfio/group.c: vfio_group_ioctl_set_container →
 * vfio_container_attach_group → iommu_group_claim_dma_owner; iommufd's VFIO_DEVICE_BIND_IOMMUFD
 * claims per device, iommu_device_claim_dma_owner, R4.27): the DMA-ownership claim, group to the
 * blocking domain (R4.28). The model keeps one claim per device (vfioOpen); a second device of
 * an already claimed group shares the owner (owner_cnt++), as the cdev path does. */
export function vfioClaim(tx: Tx, name: string): KReturn {
  const d = dev(tx, name);
  if (d.drv !== 'vfio') return fail('EINVAL', `${name} is not bound to vfio-pci`);
  if (d.vfioOpen) return fail('EINVAL', 'vfio_group_ioctl_set_container: group->container already set');
  if (d10Refuses(tx, name)) {
    log(tx, 'vfio_group_claim', name, 'D10', 'multi-device group with an MSI_ONLY member on ARM: -EPERM');
    return fail('EPERM', 'multi-device group with a bound MSI_ONLY member on ARM (D10)');
  }
  const r = iommuDeviceClaimDmaOwner(tx, name);
  if (!r.ok) return r;
  setDev(tx, name, { vfioOpen: true });
  return OK;
}

/** VFIO_SET_IOMMU (drivers/vfio/container.c: vfio_ioctl_set_iommu → type1
 * vfio_iommu_type1_attach_group → iommu_attach_group, R4.30, R6.3): a user paging domain,
 * unless a group sibling already attached one (shared). */
export function vfioSetIommu(tx: Tx, name: string): KReturn {
  const d = dev(tx, name);
  if (!d.vfioOpen) return fail('EINVAL', 'vfio_ioctl_set_iommu: no group in the container (claim first)');
  if (d.vfioAttached) return fail('EBUSY', 'already attached');
  const shared = groupDevices(tx, name).some((m) => m !== name && dev(tx, m).vfioAttached);
  if (!shared) {
    const cur = grp(tx, name).domain;
    const r = iommuAttachGroup(tx, name, 'unmanaged');
    if (!r.ok) return r;
    if (cur !== 'unmanaged') freshUserDomain(tx, name, 'unmanaged');
  }
  setDev(tx, name, { vfioAttached: true });
  return OK;
}

/** vfio-attach, the composite event: claim (R4.27/R4.28 → BLOCKED) if not yet, then attach a
 * user paging domain (R6.3). A claim that succeeded before a refused attach stays (the fd
 * stays open, as in the kernel). */
export function vfioAttach(tx: Tx, name: string): KReturn {
  const d = dev(tx, name);
  if (d.drv !== 'vfio') return fail('EINVAL', `${name} is not bound to vfio-pci`);
  if (d.vfioAttached) return fail('EBUSY', 'already attached');
  if (!d.vfioOpen) {
    const r = vfioClaim(tx, name);
    if (!r.ok) return r;
  }
  return vfioSetIommu(tx, name);
}

/** R4.30 iommu_detach_group: the owned group returns to the blocking domain. */
export function vfioDetach(tx: Tx, name: string): KReturn {
  if (!dev(tx, name).vfioAttached) return fail('EINVAL', 'not attached');
  setDev(tx, name, { vfioAttached: false, mmu: { ...dev(tx, name).mmu, vEats: null } });
  if (!groupDevices(tx, name).some((m) => dev(tx, m).vfioAttached)) iommuDetachGroup(tx, name);
  return OK;
}

/** Close and unbind: PASIDs detached, user domain detached, ownership released (R4.29). */
export function vfioUnbind(tx: Tx, name: string): KReturn {
  if (dev(tx, name).drv !== 'vfio') return fail('EINVAL', `${name} is not bound to vfio-pci`);
  if (dev(tx, name).pasid) iommuDetachDevicePasid(tx, name);
  if (dev(tx, name).vfioAttached) vfioDetach(tx, name);
  if (dev(tx, name).vfioOpen) {
    setDev(tx, name, { vfioOpen: false });
    iommuDeviceReleaseDmaOwner(tx, name);
  }
  setDev(tx, name, { drv: 'none', msi: 'none' });
  log(tx, 'vfio_pci_remove', name, 'R6.3', 'unbound');
  return OK;
}

/** R5.7 guest vSTE S1_TRANS with EATS on/off: the host follows the guest (SMMUv3 nested). */
export function guestEats(tx: Tx, name: string, on: boolean): KReturn {
  if (tx.p.iommu !== 'arm-smmu-v3') return fail('EOPNOTSUPP', 'nested vEATS is SMMUv3 (R5.7)');
  if (!dev(tx, name).vfioAttached) return fail('EINVAL', 'not attached to a user domain');
  const prev = dev(tx, name).mmu;
  if (dev(tx, name).pasid) return fail('EBUSY', 'arm_smmu_attach_dev_nested: PASIDs in use (R5.7)');
  setDev(tx, name, { mmu: { ...prev, vEats: on } });
  const cur = grp(tx, name).domain;
  const r = iommuGroupSetDomain(tx, name, 'nested', 'R5.7');
  if (!r.ok) {
    setDev(tx, name, { mmu: prev });
    return r;
  }
  if (cur !== 'nested') freshUserDomain(tx, name, 'nested');
  return OK;
}

// The kernel model as one object (types.ts KernelModel): the simulator and the verifier call
// the very same pure functions (ARCHITECTURE.md "One model, two uses").
//
// Layout (mirrors the kernel): base/core.ts device add/remove, base/dd.ts really_probe and
// release (R4.22/R4.23, D3 gating, D9), iommu/core.ts the IOMMU core (R4.11–R4.32, D4 hooks),
// iommu/default-domain.ts (R4.1–R4.10, R2.6), iommu/parking.ts (D4–D11), iommu/msi.ts
// (R4.33–R4.35), iommu/drivers/* one IommuOps per vendor (registry.ts), vfio/vfio.ts (R6),
// observe.ts the derived view, enabled.ts the world preconditions, profiles.ts 6.1 overrides.
//
// Event semantics chosen where VERIFICATION.md leaves room (documented, tested):
// - vfio-attach opens the device (iommu_device_claim_dma_owner, R4.27: same owner → owner_cnt++)
//   if not yet open, then attaches a fresh UNMANAGED domain (VFIO type1, MSI cookie) unless a
//   group sibling already attached one (shared); vfio-detach → blocking domain when no sibling
//   stays attached (R4.30); vfio-unbind detaches its PASID, detaches, releases (R4.29), unbinds.
// - vfio-pci does not allocate MSI at bind (the user does, through VFIO); own drivers with
//   usesMsi allocate at bind in the group's current domain. A driver whose allocation fails
//   (ARM BLOCKED) still binds, with msi 'failed' (pcieport falls back to no MSI).
// - unbind of a PF (own driver or vfio-pci) removes its VFs first (sriov_disable).
// - pasid-attach needs a bound own driver (SVA) or an open VFIO device; one PASID per device.
// - vfio-claim (VFIO_GROUP_SET_CONTAINER) and vfio-set-iommu (VFIO_SET_IOMMU) are vfio-attach's
//   two halves; group-type(d,t) is the sysfs group `type` write (iommu/group-type.ts); reset(d)
//   is pci_reset_function with v7.0's pci_dev_reset_iommu_prepare/done (iommu/reset.ts).
// - A refused event keeps what the kernel keeps; refusals come before any change, except a
//   VFIO claim that succeeded before a refused attach (the fd stays open, as in the kernel).
import type { Platform } from './platform.js';
import { deviceBind } from './base/dd.js';
import { deviceUnbindWithVfs, pciDeviceAdd, pciStopAndRemoveBusDevice } from './base/core.js';
import { enabledEvents } from './enabled.js';
import { iommuAttachDevicePasid, iommuDetachDevicePasid, iommuReevaluateAts } from './iommu/core.js';
import { observe } from './observe.js';
import { initialState, stateKey, type KState } from './state.js';
import { OK, commit, dev, fail, log, lookup, newTx, setDev, type Tx } from './tx.js';
import type { KEvent, KReturn, KernelModel, StepResult } from './types.js';
import type { Variant } from './variants.js';
import { guestEats, vfioAttach, vfioBind, vfioClaim, vfioDetach, vfioSetIommu } from './vfio/vfio.js';
import { iommuGroupStoreType } from './iommu/group-type.js';
import { pciResetFunction } from './iommu/reset.js';
import { kernelSession, type ModelSession, type PackedSession } from './session.js';

function needPresent(tx: Tx, name: string): KReturn {
  return dev(tx, name).present ? OK : fail('ENODEV', `${name} is not present`);
}

function apply(tx: Tx, e: KEvent): KReturn {
  const n = e.dev;
  if (e.kind === 'probe') return pciDeviceAdd(tx, n);
  const pres = needPresent(tx, n);
  if (!pres.ok) return pres;
  switch (e.kind) {
    case 'remove':
      if (tx.ix.byName.get(n)!.isRootPort) return fail('EINVAL', 'root ports are never removed');
      return pciStopAndRemoveBusDevice(tx, n);
    case 'accept':
      setDev(tx, n, { accepted: true }); // D3 step 5: userspace measured and accepted it
      log(tx, 'userspace_accept', n, 'D3', tx.v.bootDmaSecurity ? 'binding now allowed' : 'no kernel effect');
      return OK;
    case 'opt-in':
      setDev(tx, n, { optedIn: true });
      log(tx, 'userspace_cxl_ats_opt_in', n, 'D1', tx.v.cxlAtsOptIn ? 're-evaluate ATS' : 'no kernel effect');
      if (tx.v.cxlAtsOptIn) iommuReevaluateAts(tx, n);
      return OK;
    case 'bind':
      return deviceBind(tx, n);
    case 'unbind':
      return deviceUnbindWithVfs(tx, n, 'own');
    case 'vfio-bind':
      return vfioBind(tx, n);
    case 'vfio-unbind':
      return deviceUnbindWithVfs(tx, n, 'vfio');
    case 'vfio-attach':
      return vfioAttach(tx, n);
    case 'vfio-detach':
      return vfioDetach(tx, n);
    case 'pasid-attach':
      return iommuAttachDevicePasid(tx, n);
    case 'pasid-detach':
      return iommuDetachDevicePasid(tx, n);
    case 'guest-eats':
      return guestEats(tx, n, e.on === true);
    case 'vfio-claim':
      return vfioClaim(tx, n);
    case 'vfio-set-iommu':
      return vfioSetIommu(tx, n);
    case 'group-type':
      return iommuGroupStoreType(tx, n, e.type ?? 'auto');
    case 'reset':
      return pciResetFunction(tx, n);
  }
}

/** The event's effect inside `tx` (its changes collect in the dirty maps; `commit` makes the state). */
export function applyEvent(tx: Tx, e: KEvent): KReturn {
  if (lookup(tx, e.dev) === undefined) return fail('ENODEV', `no device "${e.dev}" on this platform`);
  const ret = apply(tx, e);
  if (!ret.ok) log(tx, e.kind, e.dev, 'ret', `-${ret.errno}: ${ret.why}`);
  return ret;
}

export function step(p: Platform, v: Variant, s: KState, e: KEvent): StepResult<KState> {
  const tx = newTx(p, v, s);
  const ret = applyEvent(tx, e);
  // a refused event keeps what the kernel keeps: our functions refuse before they change state,
  // except where the kernel itself keeps partial effects (a VFIO claim before a failed attach)
  return { state: commit(tx), trace: tx.trace, ret };
}

export const kernelModel: KernelModel<KState> & { session(p: Platform, v: Variant): ModelSession<KState> & Partial<PackedSession<KState>> } = {
  init: (p: Platform, _v: Variant) => initialState(p),
  enabled: enabledEvents,
  step,
  observe,
  key: stateKey,
  /** The explorer's memoising step/observe for one (p, v) (session.ts): same results. */
  session: kernelSession,
};

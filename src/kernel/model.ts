// The kernel model as one object (types.ts KernelModel): the simulator and the verifier call
// the very same pure functions (ARCHITECTURE.md "One model, two uses").
import type { Platform } from '../platform/types.js';
import { deviceBind } from './base/dd.js';
import { deviceUnbindWithVfs, pciDeviceAdd, pciStopAndRemoveBusDevice } from './base/core.js';
import { enabledEvents } from './enabled.js';
import { iommuAttachDevicePasid, iommuDetachDevicePasid, iommuReevaluateAts } from './iommu/core.js';
import { observe } from './observe.js';
import { initialState, stateKey, type KState } from './state.js';
import { OK, commit, dev, fail, log, newTx, setDev, type Tx } from './tx.js';
import type { KEvent, KReturn, KernelModel, StepResult } from './types.js';
import type { Variant } from './variants.js';
import { guestEats, vfioAttach, vfioBind, vfioDetach } from './vfio/vfio.js';

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
  }
}

export function step(p: Platform, v: Variant, s: KState, e: KEvent): StepResult<KState> {
  const tx = newTx(p, v, s);
  if (!tx.ix.byName.has(e.dev)) return { state: s, trace: [], ret: fail('ENODEV', `no device "${e.dev}" on this platform`) };
  const ret = apply(tx, e);
  if (!ret.ok) log(tx, e.kind, e.dev, 'ret', `-${ret.errno}: ${ret.why}`);
  // a refused event keeps what the kernel keeps: our functions refuse before they change state,
  // except where the kernel itself keeps partial effects (a VFIO claim before a failed attach)
  return { state: commit(tx), trace: tx.trace, ret };
}

export const kernelModel: KernelModel<KState> = {
  init: (p: Platform, _v: Variant) => initialState(p),
  enabled: enabledEvents,
  step,
  observe,
  key: stateKey,
};

// R2.7/R4.9 drivers/iommu/iommu.c: iommu_group_store_type — a write to
// /sys/kernel/iommu_groups/N/type ("identity", "DMA", "DMA-FQ", "auto"), the event
// group-type(d, identity|dma|dma-fq|auto) on d's group.
//
// Kernel source read (torvalds/linux drivers/iommu/iommu.c):
// mainline (≈ v6.6+, after the default-domain rework):
//   1. !group->default_domain → -EINVAL
//   2. "DMA-FQ" on a DMA default domain: iommu_dma_init_fq, type becomes DMA_FQ, done — no
//      other check (a bound driver or an untrusted device does not stop it)
//   3. list_empty(&group->devices) || group->owner_cnt → -EPERM ("ensure that device exists and
//      no driver is bound": owner_cnt counts DMA-API drivers and the VFIO claim, not
//      driver_managed_dma drivers such as pcieport or an unopened vfio-pci)
//   4. iommu_setup_default_domain(group, req_type): iommu_get_default_domain_type refuses
//      (-EINVAL) a target that differs from a member's def_domain_type or from the DMA an
//      untrusted member forces; otherwise a new default domain is allocated and attached to
//      the whole group (multi-device groups allowed).
// v6.1 (iommu_group_store_type → iommu_change_dev_def_domain):
//   1. !group->default_domain → -EINVAL
//   2. iommu_group_device_count(group) != 1 → -EINVAL ("Group has more than one device")
//   3. device_is_bound(dev) && !(DMA-FQ on a DMA default) → -EBUSY ("Device is still bound to
//      driver": any driver, pcieport and vfio-pci included)
//   4. group->default_domain != group->domain → -EBUSY
//   5. dev_def_dom = iommu_get_def_domain_type(dev) (DMA for untrusted, else ops->def_domain_type):
//      "auto" takes it or iommu_def_domain_type; another explicit type → -EINVAL
//   6. same type → 0; DMA-FQ on DMA → flip in place; else allocate and attach the new domain.
import { dev, fail, ginfo, grp, log, OK, setGrp, type Tx } from '../tx.js';
import type { DefaultType } from '../state.js';
import type { GroupTypeRequest, KReturn } from '../types.js';
import { groupDevices, iommuGroupSetDomain } from './core.js';
import { groupDefaultType } from './default-domain.js';

const SYSFS_NAME: Record<GroupTypeRequest, string> = { identity: 'identity', dma: 'DMA', 'dma-fq': 'DMA-FQ', auto: 'auto' };

/** Allocate and attach `t` as the group's new default domain (iommu_setup_default_domain's
 * tail / 6.1 iommu_change_dev_def_domain's tail). */
function switchDefault(tx: Tx, name: string, t: DefaultType, rule: string): KReturn {
  const g = grp(tx, name);
  const wasCurrent = g.domain === g.defaultDomain;
  setGrp(tx, name, { defaultDomain: t });
  log(tx, 'iommu_group_store_type', name, rule, `group ${ginfo(tx, name).id}: default domain ${g.defaultDomain ?? 'none'} -> ${t}`);
  if (!wasCurrent) return OK; // 6.1 refused this case earlier; mainline: owner_cnt 0 means the default is current
  return iommuGroupSetDomain(tx, name, t, rule, true); // IOMMU_SET_DOMAIN_MUST_SUCCEED
}

export function iommuGroupStoreType(tx: Tx, name: string, req: GroupTypeRequest): KReturn {
  const fn = 'iommu_group_store_type';
  const g = grp(tx, name);
  const text = SYSFS_NAME[req];
  if (dev(tx, name).probeErr !== null || g.defaultDomain === null) {
    log(tx, fn, name, 'R2.7', `"${text}": group has no default domain -> -EINVAL`);
    return fail('EINVAL', 'the group has no default domain (iommu_group_store_type)');
  }
  const fqFlip = req === 'dma-fq' && g.defaultDomain === 'dma';
  if (tx.prof.groupTypeMultiDevice) {
    // mainline
    if (fqFlip) return flipToFq(tx, name);
    if (g.ownerCnt > 0) {
      log(tx, fn, name, 'R2.7', `owner_cnt=${g.ownerCnt}: -EPERM`);
      return fail('EPERM', `group ${ginfo(tx, name).id} has owner_cnt ${g.ownerCnt} (a DMA-API driver is bound or VFIO owns it)`);
    }
    const t = groupDefaultType(tx, name, req === 'auto' ? undefined : req);
    if ('errno' in t) return fail(t.errno, t.why);
    return switchDefault(tx, name, t.type, 'R2.7');
  }
  // v6.1
  const members = groupDevices(tx, name);
  if (members.length !== 1) {
    log(tx, fn, name, 'R2.7', 'Cannot change default domain: Group has more than one device -> -EINVAL');
    return fail('EINVAL', `group ${ginfo(tx, name).id} has ${members.length} devices (6.1 changes singleton groups only)`);
  }
  if (dev(tx, name).drv !== 'none' && !fqFlip) {
    log(tx, fn, name, 'R2.7', 'Device is still bound to driver -> -EBUSY');
    return fail('EBUSY', `${name} is bound to a driver (6.1: device_is_bound)`);
  }
  if (g.domain !== g.defaultDomain) {
    log(tx, 'iommu_change_dev_def_domain', name, 'R2.7', 'Group not assigned to default domain -> -EBUSY');
    return fail('EBUSY', `group in ${g.domain ?? 'none'}, not its default domain`);
  }
  const t = groupDefaultType(tx, name, req === 'auto' ? undefined : req);
  if ('errno' in t) return fail(t.errno, t.why);
  if (t.type === g.defaultDomain) {
    log(tx, 'iommu_change_dev_def_domain', name, 'R2.7', `already ${t.type}: nothing to do`);
    return OK;
  }
  if (t.type === 'dma-fq' && g.defaultDomain === 'dma') return flipToFq(tx, name);
  return switchDefault(tx, name, t.type, 'R2.7');
}

/** "We can bring up a flush queue without tearing down the domain": the DMA domain becomes
 * DMA_FQ in place (iommu_dma_init_fq); the RID stays attached, nothing re-attached. */
function flipToFq(tx: Tx, name: string): KReturn {
  const g = grp(tx, name);
  setGrp(tx, name, { defaultDomain: 'dma-fq', domain: g.domain === 'dma' ? 'dma-fq' : g.domain });
  log(tx, 'iommu_dma_init_fq', name, 'R2.7', `group ${ginfo(tx, name).id}: DMA -> DMA-FQ in place`);
  return OK;
}

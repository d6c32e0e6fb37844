// R4.11–R4.32 drivers/iommu/iommu.c: group domain switching, device probe and release,
// DMA ownership (owner_cnt/owner), PASID attach — plus D4 parking hooks where the thread's
// designs change the core (Nicolin's drafts Feb 3/18; Jason Feb 19–20).
import { isMsiOnlyBound } from '../base/dma-mode.js';
import { DEV_ABSENT, GROUP_EMPTY } from '../state.js';
import { OK, dev, fail, ginfo, grp, info, log, setDev, setGrp, type Tx } from '../tx.js';
import type { DomainKind, KReturn } from '../types.js';
import { groupDefaultType } from './default-domain.js';
import { isDefaultKind } from './ops.js';
import { blockingKind, parkingDomain, type Park } from './parking.js';
import { iommuOpsFor } from './registry.js';

const ops = (tx: Tx) => iommuOpsFor(tx.p);

/** Members that went through a successful IOMMU probe (they have a group). */
export function groupDevices(tx: Tx, name: string): string[] {
  const out: string[] = [];
  for (const m of ginfo(tx, name).members) {
    const n = tx.ix.devs[m].name;
    const d = dev(tx, n);
    if (d.present && d.probeErr === null) out.push(n); // presentMembers, filtered
  }
  return out;
}

/** R4.13 __iommu_device_set_domain: require_direct devices refuse BLOCKED / the blocking domain. */
function requireDirectRefuses(tx: Tx, m: string, kind: DomainKind, force: boolean): KReturn {
  if (!force && (kind === 'blocked' || kind === blockingKind(tx)) && info(tx, m).requireDirect) {
    log(tx, '__iommu_device_set_domain', m, 'R4.13', 'Firmware has requested this device have a 1:1 IOMMU mapping, rejecting configuring the device without a 1:1 mapping -> -EINVAL');
    return fail('EINVAL', `${m} is require_direct: BLOCKED refused (R4.13)`);
  }
  return OK;
}

/** __iommu_group_set_domain: every member to `kind`, or nothing changes. */
export function iommuGroupSetDomain(tx: Tx, name: string, kind: DomainKind, rule: string, force = false): KReturn {
  const ms = groupDevices(tx, name);
  for (const m of ms) {
    const r = requireDirectRefuses(tx, m, kind, force);
    if (!r.ok) return r;
    const c = ops(tx).attachCheck(tx, m, kind);
    if (!c.ok) return c;
  }
  log(tx, '__iommu_group_set_domain', name, rule, `group ${ginfo(tx, name).id}: ${grp(tx, name).domain ?? 'none'} -> ${kind}`);
  for (const m of ms) ops(tx).attachDev(tx, m, kind);
  setGrp(tx, name, { domain: kind });
  return OK;
}

/** R4.10/R4.11 iommu_setup_default_domain: allocate (type per R4.5–R4.9), direct-map, attach. */
export function iommuSetupDefaultDomain(tx: Tx, name: string): KReturn {
  const t = groupDefaultType(tx, name);
  if ('errno' in t) return fail(t.errno, t.why);
  setGrp(tx, name, { defaultDomain: t.type });
  if (t.type !== 'identity' && groupDevices(tx, name).some((m) => info(tx, m).hasDirectRegions)) {
    log(tx, 'iommu_create_device_direct_mappings', name, 'R4.11', 'IOMMU_RESV_DIRECT(_RELAXABLE) mapped 1:1');
  }
  return iommuGroupSetDomain(tx, name, t.type, 'R4.10');
}

/** Where a group rests when nobody uses it: its parking domain (D4), the empty DMA domain of
 * a bound MSI_ONLY member (D9), or the default domain. */
export function restingDomain(tx: Tx, name: string): Park | null {
  const park = parkingDomain(tx, name);
  if (park === null) return null;
  if (park.rule !== 'D11' && groupDevices(tx, name).some((m) => isMsiOnlyBound(tx.v, info(tx, m), dev(tx, m)))) {
    return { kind: 'empty-dma', rule: 'D9', force: park.force };
  }
  return park;
}

/** Attach the resting domain: parking domain, or the default domain (set up if needed). */
export function attachRestingDomain(tx: Tx, name: string, rule: string): KReturn {
  const park = restingDomain(tx, name);
  if (park !== null) return iommuGroupSetDomain(tx, name, park.kind, `${rule}/${park.rule}`, park.force);
  const g = grp(tx, name);
  if (g.defaultDomain === null) return iommuSetupDefaultDomain(tx, name);
  return iommuGroupSetDomain(tx, name, g.defaultDomain, rule);
}

/** The group is in a domain a VFIO claim may start from (R4.28 default or blocking; D4 parking). */
function claimableDomain(tx: Tx, name: string): boolean {
  const d = grp(tx, name).domain;
  if (d === null || isDefaultKind(d) || d === blockingKind(tx)) return true;
  const park = restingDomain(tx, name);
  return park !== null && d === park.kind;
}

/** profiles.ts smmuProbeAtBind: the IOMMU probe of an SMMUv3 device waits for its first bind. */
export function iommuProbeDeferredToBind(tx: Tx): boolean {
  return tx.p.iommu === 'arm-smmu-v3' && tx.prof.smmuProbeAtBind;
}

/** R4.18–R4.21 __iommu_probe_device (single-device probe path) with D4 parking. */
export function iommuProbeDevice(tx: Tx, name: string): KReturn {
  const pr = ops(tx).probeDevice(tx, name);
  if (!pr.ok) return pr;
  const g = grp(tx, name);
  let r: KReturn;
  if (g.domain !== null) {
    // R4.20 step 5: the group is in use: join group->domain (Nicolin: may be a VFIO domain)
    const park = restingDomain(tx, name);
    r = requireDirectRefuses(tx, name, g.domain, park !== null && park.force && park.kind === g.domain);
    if (r.ok) r = ops(tx).attachCheck(tx, name, g.domain);
    if (r.ok) {
      log(tx, '__iommu_probe_device', name, 'R4.20', `joins group ${ginfo(tx, name).id} in ${g.domain}`);
      ops(tx).attachDev(tx, name, g.domain);
    }
  } else {
    const park = parkingDomain(tx, name);
    if (park !== null) {
      // D4: blocking domain made current, default_domain left unset (Nicolin, Feb 3)
      r = iommuGroupSetDomain(tx, name, park.kind, park.rule, park.force);
    } else {
      r = iommuSetupDefaultDomain(tx, name); // R4.20 step 5 / R4.21
    }
  }
  if (!r.ok) {
    log(tx, 'iommu_probe_device', name, 'R4.20', `failed -> -${r.errno}`);
    ops(tx).releaseDevice(tx, name);
    setDev(tx, name, { probeErr: r.errno });
    if (groupDevices(tx, name).length === 0) setGrp(tx, name, GROUP_EMPTY);
  }
  return r;
}

/** really_probe → pci_dma_configure → of_dma_configure / acpi_dma_configure → iommu_probe_device
 * for a device whose IOMMU probe waited for its first bind (profiles.ts smmuProbeAtBind). */
export function iommuProbeAtDmaConfigure(tx: Tx, name: string): KReturn {
  if (dev(tx, name).probeErr !== 'EPROBE_DEFER') return OK;
  setDev(tx, name, { probeErr: null });
  log(tx, 'pci_dma_configure', name, 'R4.18', 'of_dma_configure/acpi_dma_configure -> iommu_probe_device');
  return iommuProbeDevice(tx, name);
}

/** iommu_release_device: vendor release; the group is freed with its last device. */
export function iommuReleaseDevice(tx: Tx, name: string): void {
  if (dev(tx, name).probeErr === null) ops(tx).releaseDevice(tx, name);
  log(tx, 'iommu_release_device', name, 'R4.14', 'removed from group');
  setDev(tx, name, { mmu: DEV_ABSENT.mmu });
  if (groupDevices(tx, name).filter((m) => m !== name).length === 0) setGrp(tx, name, GROUP_EMPTY);
}

const anyPasid = (tx: Tx, name: string): boolean => groupDevices(tx, name).some((m) => dev(tx, m).pasid);

/** R4.24 iommu_device_use_default_domain (D3 step 6 / D4: attach the default domain at bind). */
export function iommuDeviceUseDefaultDomain(tx: Tx, name: string): KReturn {
  if (dev(tx, name).probeErr !== null) return OK; // no group → 0
  const g = grp(tx, name);
  if (g.ownerCnt > 0 && (g.domain !== g.defaultDomain || g.owner !== null || anyPasid(tx, name))) {
    log(tx, 'iommu_device_use_default_domain', name, 'R4.24', `owner_cnt=${g.ownerCnt} owner=${g.owner ?? 'kernel'} domain=${g.domain}: -EBUSY`);
    return fail('EBUSY', `group ${ginfo(tx, name).id} is in use by ${g.owner ?? 'another user'} (R4.24)`);
  }
  if (g.domain !== g.defaultDomain || g.defaultDomain === null) {
    if (parkingDomain(tx, name) === null) {
      if (g.defaultDomain === null) return fail('EPROBE_DEFER', 'no default domain yet (R4.24)');
    } else {
      const r = g.defaultDomain === null ? iommuSetupDefaultDomain(tx, name) : iommuGroupSetDomain(tx, name, g.defaultDomain, 'D4');
      if (!r.ok) return r;
      log(tx, 'iommu_device_use_default_domain', name, 'D4', `default domain ${grp(tx, name).domain} attached at bind (D3 step 6)`);
    }
  }
  setGrp(tx, name, { ownerCnt: grp(tx, name).ownerCnt + 1 });
  setDev(tx, name, { dmaUser: true });
  log(tx, 'iommu_device_use_default_domain', name, 'R4.24', `owner_cnt=${grp(tx, name).ownerCnt}`);
  return OK;
}

/** R4.25 iommu_device_unuse_default_domain; D4: the last user re-parks the group. */
export function iommuDeviceUnuseDefaultDomain(tx: Tx, name: string): void {
  if (!dev(tx, name).dmaUser) return;
  if (anyPasid(tx, name)) log(tx, 'iommu_device_unuse_default_domain', name, 'R4.25', 'WARN: PASIDs attached');
  const cnt = Math.max(0, grp(tx, name).ownerCnt - 1);
  setGrp(tx, name, { ownerCnt: cnt });
  setDev(tx, name, { dmaUser: false });
  log(tx, 'iommu_device_unuse_default_domain', name, 'R4.25', `owner_cnt=${cnt}`);
  if (cnt === 0 && grp(tx, name).owner === null && restingDomain(tx, name) !== null) attachRestingDomain(tx, name, 'D4');
}

/** R4.27 iommu_device_claim_dma_owner → R4.28 __iommu_take_dma_ownership. */
export function iommuDeviceClaimDmaOwner(tx: Tx, name: string): KReturn {
  if (dev(tx, name).probeErr !== null) return fail('ENODEV', 'no IOMMU group');
  const g = grp(tx, name);
  if (g.ownerCnt > 0) {
    if (g.owner === 'vfio') {
      setGrp(tx, name, { ownerCnt: g.ownerCnt + 1 });
      return OK;
    }
    log(tx, 'iommu_device_claim_dma_owner', name, 'R4.27', `owner_cnt=${g.ownerCnt} held by a kernel driver: -EPERM`);
    return fail('EPERM', `group ${ginfo(tx, name).id} not viable: a kernel DMA-API driver is bound (R4.26/R6.2)`);
  }
  if (!claimableDomain(tx, name)) return fail('EBUSY', `group in ${g.domain}, neither default nor blocking (R4.28)`);
  const r = iommuGroupSetDomain(tx, name, blockingKind(tx), 'R4.28');
  if (!r.ok) return r;
  setGrp(tx, name, { owner: 'vfio', ownerCnt: 1 });
  log(tx, '__iommu_take_dma_ownership', name, 'R4.28', 'owner=vfio owner_cnt=1');
  return OK;
}

/** R4.29 iommu_device_release_dma_owner: last reference → default domain (D4: parking domain). */
export function iommuDeviceReleaseDmaOwner(tx: Tx, name: string): void {
  const g = grp(tx, name);
  const cnt = Math.max(0, g.ownerCnt - 1);
  if (cnt > 0) {
    setGrp(tx, name, { ownerCnt: cnt });
    return;
  }
  if (anyPasid(tx, name)) log(tx, 'iommu_device_release_dma_owner', name, 'R4.29', 'WARN: PASIDs still attached');
  setGrp(tx, name, { ownerCnt: 0, owner: null });
  const r = attachRestingDomain(tx, name, 'R4.29');
  if (!r.ok) log(tx, 'iommu_device_release_dma_owner', name, 'R4.29', `WARN: must-succeed attach failed -${r.errno}`);
}

/** R4.30 iommu_attach_group: only from the default or the blocking domain. */
export function iommuAttachGroup(tx: Tx, name: string, kind: DomainKind): KReturn {
  const cur = grp(tx, name).domain;
  if (!(isDefaultKind(cur) || cur === blockingKind(tx) || cur === 'unmanaged' || cur === 'nested')) {
    return fail('EBUSY', `group in ${cur ?? 'none'} (R4.30)`);
  }
  return iommuGroupSetDomain(tx, name, kind, 'R4.30');
}

/** R4.30 iommu_detach_group: owned → blocking domain, else default. */
export function iommuDetachGroup(tx: Tx, name: string): void {
  if (grp(tx, name).owner !== null) iommuGroupSetDomain(tx, name, blockingKind(tx), 'R4.30', true);
  else attachRestingDomain(tx, name, 'R4.30');
}

/** R4.31/R4.32 iommu_attach_device_pasid. */
export function iommuAttachDevicePasid(tx: Tx, name: string): KReturn {
  const d = dev(tx, name);
  if (d.probeErr !== null) return fail('ENODEV', 'no IOMMU group (R4.31)');
  if (!ops(tx).hasBlockedDomain(tx.prof)) return fail('EOPNOTSUPP', 'no blocked domain with set_dev_pasid (R4.31; 6.1 profile)');
  const dc = ops(tx).pasidDomainCheck?.(tx, name);
  if (dc !== undefined && !dc.ok) return dc;
  if (d.mmu.ssidBits === 0) return fail('EINVAL', 'pasid >= max_pasids (0): PASID not enabled (R4.31)');
  if (d.pasid) return fail('EBUSY', 'PASID already in pasid_array (R4.31)');
  setDev(tx, name, { pasid: true });
  const r = ops(tx).setDevPasid(tx, name);
  if (!r.ok) {
    setDev(tx, name, { pasid: false });
    return r;
  }
  log(tx, 'iommu_attach_device_pasid', name, 'R4.32', 'recorded in pasid_array');
  return OK;
}

/** R4.32a iommu_detach_device_pasid: back to the blocked state for that PASID. */
export function iommuDetachDevicePasid(tx: Tx, name: string): KReturn {
  if (!dev(tx, name).pasid) return fail('EINVAL', 'no PASID attached');
  setDev(tx, name, { pasid: false });
  ops(tx).removeDevPasid(tx, name);
  log(tx, 'iommu_detach_device_pasid', name, 'R4.32a', 'removed from pasid_array');
  return OK;
}

/** D1 opt-in (cxl-ats-opt-in): the IOMMU re-evaluates ATS at once: probe-time ATS decision,
 * then the current RID domain re-attached. */
export function iommuReevaluateAts(tx: Tx, name: string): void {
  if (dev(tx, name).probeErr !== null) return;
  ops(tx).reprobeAts(tx, name);
  const dom = grp(tx, name).domain;
  if (dom !== null) ops(tx).attachDev(tx, name, dom);
  log(tx, 'iommu_reevaluate_ats', name, 'D1', `re-attached ${dom ?? 'none'}`);
}

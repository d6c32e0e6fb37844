// Per-Platform static facts the model reads on every step, computed once and memoised in a
// WeakMap (a Platform is never mutated): device and group indices, parents, VFs, static
// group membership (R3 pci_device_group, via iommu/groups.ts), trust (R2, via pci/trust.ts),
// require_direct (R4.12) and CXL.cache capability (P3–P5). Nothing here is O(devices) per event.
import type { DeviceDesc, Platform } from '../platform/types.js';
import { pciDeviceGroups } from './iommu/groups.js';
import { pciTopology } from './pci/trust.js';

export interface DevInfo {
  readonly i: number;
  readonly name: string;
  readonly desc: DeviceDesc;
  readonly parent: number | null; // upstream bridge
  readonly physfn: number | null; // PF of a VF
  readonly children: readonly number[]; // devices whose parent is this one (VFs included when parent is set)
  readonly vfs: readonly number[];
  readonly group: number;
  readonly isBridge: boolean;
  readonly isVf: boolean;
  readonly isRootPort: boolean; // on the root bus: never removed (VERIFICATION "Semantics")
  readonly untrusted: boolean; // R2.2 set_pcie_untrusted
  /** R4.12: any IOMMU_RESV_DIRECT region (not DIRECT_RELAXABLE, golden 28). */
  readonly requireDirect: boolean;
  /** Any direct or direct-relaxable region (R4.11 maps both into DMA-API domains). */
  readonly hasDirectRegions: boolean;
  /** CXL DVSEC Cache_Capable of pci_physfn(dev) (P3–P5). */
  readonly cxlCache: boolean;
  readonly pasidCap: boolean;
  readonly atsCap: boolean;
}

export interface GroupInfo {
  readonly i: number;
  readonly id: string;
  readonly members: readonly number[];
  readonly hasBridge: boolean;
  readonly hasRequireDirect: boolean;
}

export interface PlatIndex {
  readonly devs: readonly DevInfo[];
  readonly byName: ReadonlyMap<string, DevInfo>;
  readonly groups: readonly GroupInfo[];
}

const MEMO = new WeakMap<Platform, PlatIndex>();

export function platIndex(p: Platform): PlatIndex {
  const hit = MEMO.get(p);
  if (hit !== undefined) return hit;
  const topo = pciTopology(p);
  const grp = pciDeviceGroups(p);
  const idxOf = new Map<string, number>();
  p.devices.forEach((d, i) => idxOf.set(d.name, i));
  const gids: string[] = [];
  const gIdx = new Map<string, number>();
  for (const d of p.devices) {
    const g = grp.groupOf[d.name] ?? `solo:${d.name}`;
    if (!gIdx.has(g)) {
      gIdx.set(g, gids.length);
      gids.push(g);
    }
  }
  const children: number[][] = p.devices.map(() => []);
  const vfs: number[][] = p.devices.map(() => []);
  p.devices.forEach((d, i) => {
    const par = d.parent === null ? undefined : idxOf.get(d.parent);
    if (par !== undefined) children[par].push(i);
    const pf = d.physfn === undefined ? undefined : idxOf.get(d.physfn);
    if (pf !== undefined) vfs[pf].push(i);
  });
  const devs: DevInfo[] = p.devices.map((d, i) => {
    const pfIdx = d.physfn === undefined ? undefined : idxOf.get(d.physfn);
    const pfDesc = pfIdx === undefined ? d : p.devices[pfIdx];
    const cxl = pfDesc.config.dvsecs.some((x) => x.cxlDevice?.cacheCapable === true);
    const cfg = d.config;
    const bridge = topo.isBridge[d.name] ?? (cfg.header?.headerType === 1);
    return {
      i,
      name: d.name,
      desc: d,
      parent: d.parent === null ? null : (idxOf.get(d.parent) ?? null),
      physfn: pfIdx ?? null,
      children: children[i],
      vfs: vfs[i],
      group: gIdx.get(grp.groupOf[d.name] ?? `solo:${d.name}`) as number,
      isBridge: bridge,
      isVf: pfIdx !== undefined,
      isRootPort: d.parent === null && pfIdx === undefined,
      untrusted: topo.untrusted[d.name] ?? false,
      requireDirect: d.reservedRegions.some((r) => r.type === 'direct'),
      hasDirectRegions: d.reservedRegions.some((r) => r.type === 'direct' || r.type === 'direct-relaxable'),
      cxlCache: cxl,
      pasidCap: cfg.pasid !== undefined,
      atsCap: cfg.ats !== undefined,
    };
  });
  const members: number[][] = gids.map(() => []);
  for (const d of devs) members[d.group].push(d.i);
  const groups: GroupInfo[] = gids.map((id, i) => ({
    i,
    id,
    members: members[i],
    hasBridge: members[i].some((m) => devs[m].isBridge),
    hasRequireDirect: members[i].some((m) => devs[m].requireDirect),
  }));
  const byName = new Map(devs.map((d) => [d.name, d] as const));
  const ix: PlatIndex = { devs, byName, groups };
  MEMO.set(p, ix);
  return ix;
}

export function devInfo(p: Platform, name: string): DevInfo {
  const d = platIndex(p).byName.get(name);
  if (d === undefined) throw new Error(`IMPOSSIBLE: no device "${name}" on platform ${p.name}`);
  return d;
}

/** x86 IOMMUs deliver MSI through interrupt remapping (R4.35); ARM maps the ITS doorbell
 * through the IOMMU (R4.33, CONFIG_IRQ_MSI_IOMMU). */
export function msiThroughIommu(p: Platform): boolean {
  return p.iommu === 'arm-smmu-v3';
}

// Per-Platform static facts the model reads on every step, computed once and memoised in a
// WeakMap (a Platform is never mutated): device and group indices, parents, VFs, static
// group membership (R3 pci_device_group, via iommu/groups.ts), trust (R2, via pci/trust.ts),
// require_direct (R4.12) and CXL.cache capability (P3–P5). Nothing here is O(devices) per event.
import type { PciFunction } from '../pci/types.js';
import type { DeviceDesc, Platform } from './platform.js';
import { pciDeviceGroupArrays } from './iommu/groups.js';
import { nameIndex, type NameIndex } from './name-index.js';
import { topologyMemo } from './static-memo.js';
import { pciIndex } from './pci/index.js';
import { pciTrust } from './pci/trust.js';

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
  readonly byName: NameIndex<DevInfo>;
  readonly groups: readonly GroupInfo[];
}


/** CXL DVSEC Cache_Capable (P3–P5). A loop: no closure per device. */
function cacheCapable(cfg: PciFunction): boolean {
  for (const x of cfg.dvsecs) if (x.cxlDevice?.cacheCapable === true) return true;
  return false;
}

/** An IOMMU_RESV_DIRECT region (R4.12), or with `relaxable` also DIRECT_RELAXABLE (R4.11). */
function hasRegion(d: DeviceDesc, relaxable: boolean): boolean {
  for (const r of d.reservedRegions) if (r.type === 'direct' || (relaxable && r.type === 'direct-relaxable')) return true;
  return false;
}

/** A GroupInfo whose id string ("g<k>", pci_device_group's allocation number) is made when
 * read (traces and observe), not 100,000 times up front. */
class Group implements GroupInfo {
  readonly hasBridge: boolean;
  readonly hasRequireDirect: boolean;
  constructor(
    readonly i: number,
    private readonly k: number,
    readonly members: readonly number[],
    devs: readonly DevInfo[],
  ) {
    let bridge = false;
    let direct = false;
    for (const m of members) {
      bridge ||= devs[m].isBridge;
      direct ||= devs[m].requireDirect;
    }
    this.hasBridge = bridge;
    this.hasRequireDirect = direct;
  }
  get id(): string {
    return `g${this.k}`;
  }
}
const NONE: readonly number[] = Object.freeze([]);

/** The index of `p`, memoised by its devices array and the one scalar pci_device_group reads
 * (./static-memo.ts): the matrix's cell, part and recording Platforms share it. */
export const platIndex: (p: Platform) => PlatIndex = topologyMemo((p) => buildPlatIndex(p));

/** platIndex without the memo (exported for the test of what it reads). */
export function buildPlatIndex(p: Platform): PlatIndex {
  const pix = pciIndex(p);
  const trust = pciTrust(p);
  const grp = pciDeviceGroupArrays(p);
  const n = p.devices.length;
  // our group numbers: groups in order of their first device in p.devices
  const ourGroup = new Int32Array(grp.count).fill(-1);
  const gids: number[] = []; // our group -> pci_device_group's number (id `g${k}`)
  const devGroup = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const g = grp.groupOf[pix.entryOf[i].order]; // every device of the index has a group (R3.6 at worst)
    if (ourGroup[g] < 0) {
      ourGroup[g] = gids.length;
      gids.push(g);
    }
    devGroup[i] = ourGroup[g];
  }
  const children: (readonly number[])[] = new Array<readonly number[]>(n).fill(NONE);
  const vfs: (readonly number[])[] = new Array<readonly number[]>(n).fill(NONE);
  const add = (lists: (readonly number[])[], at: number, i: number): void => {
    const l = lists[at];
    if (l === NONE) lists[at] = [i];
    else (l as number[]).push(i); // our own array (only NONE is shared)
  };
  for (let i = 0; i < n; i++) {
    const e = pix.list[i];
    if (e.parentOrder >= 0) add(children, e.parentOrder, i);
    if (e.physfnOrder >= 0) add(vfs, e.physfnOrder, i);
  }
  const devs: DevInfo[] = [];
  for (let i = 0; i < n; i++) {
    const d = p.devices[i];
    const e = pix.list[i];
    const pfIdx = e.physfnOrder >= 0 ? e.physfnOrder : undefined;
    const pfDesc = pfIdx === undefined ? d : p.devices[pfIdx];
    const cxl = cacheCapable(pfDesc.config);
    const cfg = d.config;
    devs.push({
      i,
      name: d.name,
      desc: d,
      parent: e.parentOrder >= 0 ? e.parentOrder : null,
      physfn: pfIdx ?? null,
      children: children[i],
      vfs: vfs[i],
      group: devGroup[i],
      isBridge: pix.entryOf[i].isBridge,
      isVf: pfIdx !== undefined,
      isRootPort: d.parent === null && pfIdx === undefined,
      untrusted: trust.untrusted[pix.entryOf[i].order] === 1,
      requireDirect: hasRegion(d, false),
      hasDirectRegions: hasRegion(d, true),
      cxlCache: cxl,
      pasidCap: cfg.pasid !== undefined,
      atsCap: cfg.ats !== undefined,
    });
  }
  // `[i]` holds one slot; `[]` grown by push holds 17 (100,000 singleton groups at this size).
  // Groups are numbered by their first device, so the lists are created in group order.
  const members: number[][] = [];
  for (const d of devs) {
    if (d.group === members.length) members.push([d.i]);
    else members[d.group].push(d.i);
  }
  const groups: GroupInfo[] = gids.map((g, i) => new Group(i, g, members[i], devs));
  const byName = nameIndex(pix.orderOf, devs);
  return { devs, byName, groups };
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

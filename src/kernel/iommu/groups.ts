// R3.1–R3.6 drivers/iommu/iommu.c: pci_device_group (classic form) and its helpers
// get_pci_alias_or_group, get_pci_alias_group, get_pci_function_alias_group; with
// drivers/pci/search.c: pci_for_each_dma_alias and drivers/pci/pci.c: pci_acs_path_enabled,
// pci_devs_are_dma_aliases.
//
// Kernel source read (torvalds/linux drivers/iommu/iommu.c, classic pci_device_group):
// devices are grouped as the IOMMU probes them, in enumeration order, and a device only
// ever *joins* an existing group or allocates a new one; the model replays exactly that
// over p.devices. Not modelled: pci_real_dma_dev (VMD-style), ACS quirks
// (pci_dev_specific_acs_enabled), the 2025 ACS-grouping rework (BUS_DATA_PCI_NON_ISOLATED),
// and cross-bus dma_alias_mask (the kernel's mask is per devfn on the same bus, so a
// `dmaAliasOf` naming a device on another bus has no grouping effect — as in the kernel).
// R3.7 (SMMUv3 uses pci_device_group for PCI) and R3.8 (one domain per group) are the IOMMU
// core's business; every Platform device is PCI, so every device is grouped here.
import type { Platform } from '../platform.js';
import { topologyMemo } from '../static-memo.js';
import { acsEnabledAtEnumeration, pciAcsEnabledInfo, pciAcsPathEnabled, REQ_ACS_FLAGS } from '../pci/acs.js';
import { pciIndex, pciUpstreamInfo, type PciDevInfo } from '../pci/index.js';
import { dict, lazyRecord } from '../pci/state.js';

export interface IommuGroups {
  /** device name -> group id ("g0", "g1", ... in order of allocation during enumeration). */
  readonly groupOf: Readonly<Record<string, string>>;
  /** group id -> member names in enumeration order. */
  readonly members: Readonly<Record<string, readonly string[]>>;
  /** Added field: device name -> which rule placed it (R3.2 alias, R3.3 ACS walk, R3.4 alias
   * group, R3.5 multifunction, R3.6 new group), for traces. */
  readonly reason: Readonly<Record<string, { readonly rule: string; readonly detail: string }>>;
}

/** The same grouping by PciDevInfo.order (what the model reads: no name-keyed records). */
export interface GroupArrays {
  /** Group number k (id `g${k}`) of each device of pciIndex(p).byName; -1 for none. */
  readonly groupOf: Int32Array;
  readonly count: number;
  /** The byName devices in enumeration order (ascending order), as grouped. */
  readonly ordered: readonly PciDevInfo[];
  /** Placing rule (RULES index) and the order of the device its detail names. */
  readonly rule: Uint8Array;
  readonly ruleAt: Int32Array;
}

const RULES = ['R3.2', 'R3.3', 'R3.4', 'R3.5', 'R3.6'] as const;
const [R32, R33, R34, R35, R36] = [0, 1, 2, 3, 4];
const detailOf = (rule: number, name: string): string =>
  [
    `DMA alias via bridge ${name}`,
    `no ACS isolation on the path from ${name}: joins its group`,
    `DMA alias of a device on the bus of ${name}`,
    `multifunction slot of ${name} without ACS`,
    'isolated: new group',
  ][rule];

type Memo = { arrays: GroupArrays; groups: IommuGroups };

function compute(p: Platform): GroupArrays {
  const ix = pciIndex(p);
  const n = ix.list.length;
  const groupOf = new Int32Array(n).fill(-1);
  const rule = new Uint8Array(n);
  const ruleAt = new Int32Array(n).fill(-1);
  let next = 0;

  // pci_devs_are_dma_aliases, restricted to the same bus (dma_alias_mask is per devfn).
  const aliases = new Map<number, PciDevInfo[]>();
  const link = (a: PciDevInfo, b: PciDevInfo): void => {
    const l = aliases.get(a.order);
    if (l === undefined) aliases.set(a.order, [b]);
    else if (!l.includes(b)) l.push(b);
  };
  for (const d of ix.byName.values()) {
    const t = d.desc.dmaAliasOf === undefined ? undefined : ix.byName.get(d.desc.dmaAliasOf);
    if (t !== undefined && t !== d && t.busKey === d.busKey) {
      link(d, t);
      link(t, d);
    }
  }
  for (const l of aliases.values()) l.sort((a, b) => a.order - b.order); // for_each_pci_dev order
  // Functions by (bus, slot), for get_pci_function_alias_group; built on first need.
  let bySlot: Map<number, Map<number, PciDevInfo[]>> | undefined;
  const slotOf = (d: PciDevInfo): readonly PciDevInfo[] => {
    if (bySlot === undefined) {
      bySlot = new Map();
      for (const x of ix.byName.values()) {
        let bus = bySlot.get(x.busKey);
        if (bus === undefined) bySlot.set(x.busKey, (bus = new Map()));
        const l = bus.get(x.devfn >> 3);
        if (l === undefined) bus.set(x.devfn >> 3, [x]);
        else l.push(x);
      }
    }
    return bySlot.get(d.busKey)?.get(d.devfn >> 3) ?? [];
  };
  const acsPathMemo = new Int8Array(n).fill(-1);
  const acsPath = (bridge: PciDevInfo): boolean => {
    if (acsPathMemo[bridge.order] < 0) acsPathMemo[bridge.order] = pciAcsPathEnabled(p, bridge.desc.name, null, REQ_ACS_FLAGS) ? 1 : 0;
    return acsPathMemo[bridge.order] === 1;
  };
  const std = acsEnabledAtEnumeration(p);
  const acsEnabled = (d: PciDevInfo): boolean => pciAcsEnabledInfo(d, REQ_ACS_FLAGS, std);

  // R3.5 get_pci_function_alias_group: non-isolated functions of the same slot.
  const functionAliasGroup = (d: PciDevInfo, seen: Set<number>): number => {
    if (!d.multifunction || acsEnabled(d)) return -1;
    for (const t of slotOf(d)) {
      if (t === d || acsEnabled(t)) continue;
      const g = aliasGroup(t, seen);
      if (g >= 0) return g;
    }
    return -1;
  };
  // R3.4 get_pci_alias_group: the device's own group, or one of an alias on its bus.
  const aliasGroup = (d: PciDevInfo, seen: Set<number>): number => {
    if (seen.has(d.devfn)) return -1; // test_and_set_bit(devfn, devfns)
    seen.add(d.devfn);
    const own = groupOf[d.order];
    if (own >= 0) return own;
    for (const t of aliases.get(d.order) ?? []) {
      const g = aliasGroup(t, seen);
      if (g >= 0) return g;
      const f = functionAliasGroup(t, seen);
      if (f >= 0) return f;
    }
    return -1;
  };

  const seen = new Set<number>(); // the devfns bitmap of one placement
  const why = (d: PciDevInfo, r: number, at: PciDevInfo, g: number): number => {
    rule[d.order] = r;
    ruleAt[d.order] = at.order;
    return g;
  };
  /** The group `d` joins (-1: a new one); records the rule and the device its detail names. */
  const place = (d: PciDevInfo): number => {
    // R3.2 pci_for_each_dma_alias + get_pci_alias_or_group: the device itself (and its
    // dma_alias_mask entries, which name the same pci_dev), then upstream PCIe-to-PCI and
    // conventional bridges; root, upstream and downstream ports are skipped.
    let pdev = d;
    for (let t = pciUpstreamInfo(ix, d); t !== undefined; t = pciUpstreamInfo(ix, t)) {
      const isAliasBridge = t.pcieType === null || t.pcieType === 'pcie-to-pci-bridge' || t.pcieType === 'pci-to-pcie-bridge';
      if (isAliasBridge) {
        pdev = t; // data->pdev = the last alias seen: the point of minimum granularity
        const g = groupOf[t.order];
        if (g >= 0) return why(d, R32, t, g);
      }
    }
    // R3.3 walk up bus by bus until ACS REQ_ACS_FLAGS holds on the whole path from bus->self.
    for (let b = pdev.busSelf ?? pdev.upstream; b !== null; ) {
      const t = ix.byName.get(b.name);
      if (t === undefined) break;
      if (acsPath(t)) break;
      pdev = t;
      const g = groupOf[t.order];
      if (g >= 0) return why(d, R33, t, g);
      b = t.upstream;
    }
    seen.clear();
    const ag = aliasGroup(pdev, seen);
    if (ag >= 0) return why(d, R34, pdev, ag);
    const fg = functionAliasGroup(pdev, seen);
    if (fg >= 0) return why(d, R35, pdev, fg);
    return why(d, R36, d, -1);
  };

  const ordered = [...ix.byName.values()];
  // enumeration order; byName already iterates in it when names are unique (then no sort)
  if (ordered.some((d, k) => k > 0 && ordered[k - 1].order > d.order)) ordered.sort((a, b) => a.order - b.order);
  for (const d of ordered) {
    const g = place(d);
    groupOf[d.order] = g >= 0 ? g : next++;
  }
  return { groupOf, count: next, ordered, rule, ruleAt };
}

/** The name-keyed records of IommuGroups, each built from `a` on its first read. */
function records(p: Platform, a: GroupArrays): IommuGroups {
  const ix = pciIndex(p);
  const lazy = {
    groupOf: () => {
      const r = dict<string>();
      for (const d of a.ordered) r[d.desc.name] = `g${a.groupOf[d.order]}`;
      return r;
    },
    members: () => {
      const lists: string[][] = [];
      for (const d of a.ordered) (lists[a.groupOf[d.order]] ??= []).push(d.desc.name);
      const r = dict<string[]>();
      lists.forEach((l, g) => (r[`g${g}`] = l));
      return r;
    },
    reason: () => {
      const r = dict<{ rule: string; detail: string }>();
      for (const d of a.ordered) r[d.desc.name] = { rule: RULES[a.rule[d.order]], detail: detailOf(a.rule[d.order], ix.list[a.ruleAt[d.order]].desc.name) };
      return r;
    },
  };
  return lazyRecord<IommuGroups>(lazy);
}

/** By the devices array and acsEnabledAtEnumeration(p), the one scalar compute reads
 * (../static-memo.ts). */
const memo = topologyMemo((p: Platform): Memo => {
  const arrays = compute(p);
  return { arrays, groups: records(p, arrays) };
});

/** compute without the memo (for the test of what it reads). */
export function computeGroupArrays(p: Platform): GroupArrays {
  return compute(p);
}

/** R3 drivers/iommu/iommu.c: pci_device_group for every device of `p`, in enumeration order;
 * static (topology only) and memoised per Platform. */
export function pciDeviceGroups(p: Platform): IommuGroups {
  return memo(p).groups;
}

/** R3 as arrays by PciDevInfo.order (same grouping as pciDeviceGroups). */
export function pciDeviceGroupArrays(p: Platform): GroupArrays {
  return memo(p).arrays;
}

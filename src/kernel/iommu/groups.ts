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
import type { Platform } from '../../platform/types.js';
import { pciAcsEnabledInfo, pciAcsPathEnabled, REQ_ACS_FLAGS } from '../pci/acs.js';
import { pciIndex, type PciDevInfo } from '../pci/index.js';
import { dict } from '../pci/state.js';

export interface IommuGroups {
  /** device name -> group id ("g0", "g1", ... in order of allocation during enumeration). */
  readonly groupOf: Readonly<Record<string, string>>;
  /** group id -> member names in enumeration order. */
  readonly members: Readonly<Record<string, readonly string[]>>;
  /** Added field: device name -> which rule placed it (R3.2 alias, R3.3 ACS walk, R3.4 alias
   * group, R3.5 multifunction, R3.6 new group), for traces. */
  readonly reason: Readonly<Record<string, { readonly rule: string; readonly detail: string }>>;
}

const MEMO = new WeakMap<Platform, IommuGroups>();

function compute(p: Platform): IommuGroups {
  const ix = pciIndex(p);
  const groupOf = dict<string>();
  const members = dict<string[]>();
  const reason = dict<{ rule: string; detail: string }>();
  let next = 0;

  // pci_devs_are_dma_aliases, restricted to the same bus (dma_alias_mask is per devfn).
  const aliases = new Map<string, PciDevInfo[]>();
  const link = (a: PciDevInfo, b: PciDevInfo): void => {
    const l = aliases.get(a.desc.name);
    if (l === undefined) aliases.set(a.desc.name, [b]);
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
  // Functions by (bus, slot), for get_pci_function_alias_group.
  const bySlot = new Map<string, PciDevInfo[]>();
  for (const d of ix.byName.values()) {
    const k = `${d.busKey}#${d.devfn >> 3}`;
    const l = bySlot.get(k);
    if (l === undefined) bySlot.set(k, [d]);
    else l.push(d);
  }
  const acsPathMemo = new Map<string, boolean>();
  const acsPath = (bridge: string): boolean => {
    let v = acsPathMemo.get(bridge);
    if (v === undefined) {
      v = pciAcsPathEnabled(p, bridge, null, REQ_ACS_FLAGS);
      acsPathMemo.set(bridge, v);
    }
    return v;
  };
  const acsEnabled = (d: PciDevInfo): boolean => pciAcsEnabledInfo(d, REQ_ACS_FLAGS);

  // R3.5 get_pci_function_alias_group: non-isolated functions of the same slot.
  const functionAliasGroup = (d: PciDevInfo, seen: Set<number>): string | undefined => {
    if (!d.multifunction || acsEnabled(d)) return undefined;
    for (const t of bySlot.get(`${d.busKey}#${d.devfn >> 3}`) ?? []) {
      if (t === d || acsEnabled(t)) continue;
      const g = aliasGroup(t, seen);
      if (g !== undefined) return g;
    }
    return undefined;
  };
  // R3.4 get_pci_alias_group: the device's own group, or one of an alias on its bus.
  const aliasGroup = (d: PciDevInfo, seen: Set<number>): string | undefined => {
    if (seen.has(d.devfn)) return undefined; // test_and_set_bit(devfn, devfns)
    seen.add(d.devfn);
    const own = groupOf[d.desc.name];
    if (own !== undefined) return own;
    for (const t of aliases.get(d.desc.name) ?? []) {
      const g = aliasGroup(t, seen) ?? functionAliasGroup(t, seen);
      if (g !== undefined) return g;
    }
    return undefined;
  };

  const place = (d: PciDevInfo): { group: string | undefined; rule: string; detail: string } => {
    // R3.2 pci_for_each_dma_alias + get_pci_alias_or_group: the device itself (and its
    // dma_alias_mask entries, which name the same pci_dev), then upstream PCIe-to-PCI and
    // conventional bridges; root, upstream and downstream ports are skipped.
    let pdev = d;
    for (let b = d.upstream; b !== null; ) {
      const t = ix.byName.get(b.name);
      if (t === undefined) break;
      const isAliasBridge = t.pcieType === null || t.pcieType === 'pcie-to-pci-bridge' || t.pcieType === 'pci-to-pcie-bridge';
      if (isAliasBridge) {
        pdev = t; // data->pdev = the last alias seen: the point of minimum granularity
        const g = groupOf[t.desc.name];
        if (g !== undefined) return { group: g, rule: 'R3.2', detail: `DMA alias via bridge ${t.desc.name}` };
      }
      b = t.upstream;
    }
    // R3.3 walk up bus by bus until ACS REQ_ACS_FLAGS holds on the whole path from bus->self.
    for (let b = pdev.busSelf ?? pdev.upstream; b !== null; ) {
      if (acsPath(b.name)) break;
      const t = ix.byName.get(b.name);
      if (t === undefined) break;
      pdev = t;
      const g = groupOf[t.desc.name];
      if (g !== undefined) return { group: g, rule: 'R3.3', detail: `no ACS isolation on the path from ${t.desc.name}: joins its group` };
      b = t.upstream;
    }
    const seen = new Set<number>();
    const ag = aliasGroup(pdev, seen);
    if (ag !== undefined) return { group: ag, rule: 'R3.4', detail: `DMA alias of a device on the bus of ${pdev.desc.name}` };
    const fg = functionAliasGroup(pdev, seen);
    if (fg !== undefined) return { group: fg, rule: 'R3.5', detail: `multifunction slot of ${pdev.desc.name} without ACS` };
    return { group: undefined, rule: 'R3.6', detail: 'isolated: new group' };
  };

  const ordered = [...ix.byName.values()].sort((a, b) => a.order - b.order);
  for (const d of ordered) {
    const r = place(d);
    let g = r.group;
    if (g === undefined) {
      g = `g${next++}`;
      members[g] = [];
    }
    groupOf[d.desc.name] = g;
    members[g].push(d.desc.name);
    reason[d.desc.name] = { rule: r.rule, detail: r.detail };
  }
  return { groupOf, members, reason };
}

/** R3 drivers/iommu/iommu.c: pci_device_group for every device of `p`, in enumeration order;
 * static (topology only) and memoised per Platform. */
export function pciDeviceGroups(p: Platform): IommuGroups {
  let g = MEMO.get(p);
  if (g === undefined) {
    g = compute(p);
    MEMO.set(p, g);
  }
  return g;
}

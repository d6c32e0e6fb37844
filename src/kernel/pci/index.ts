// struct pci_dev accessors over the Platform: a per-Platform lookup index (name -> device,
// memoised in a WeakMap so lookups are O(1) on 100,000-function platforms) and the
// include/linux/pci.h helpers the rules are written in (pci_upstream_bridge, pci_physfn,
// pci_pcie_type, pci_is_bridge, bus and devfn). Pure: a Platform is never mutated.
// Per-device facts that later indices (trust.ts, groups.ts, platform-index.ts) compute are
// kept in arrays by `order`, not in name-keyed records (100,000 keys cost seconds of hashing
// and GC at that size; bench/model-bench.ts).
import type { PcieDevicePortType } from '../../pci/types.js';
import type { DeviceDesc, Platform } from '../platform.js';
import { nameIndex, type NameIndex } from '../name-index.js';

/** What the PCI rules read about one function, resolved once per Platform. */
export interface PciDevInfo {
  readonly desc: DeviceDesc;
  /** Index in p.devices (enumeration order). */
  readonly order: number;
  /** pci_physfn(dev): the PF for a VF, else the device itself. */
  readonly physfn: DeviceDesc;
  readonly isVirtfn: boolean;
  /** pci_upstream_bridge(dev): bus->self of pci_physfn(dev)'s bus; null on a root bus. */
  readonly upstream: DeviceDesc | null;
  /** `order` of the index entry named upstream.name (byName.get(upstream.name)); -1 when null. */
  readonly upOrder: number;
  /** `order` of the device named desc.parent / desc.physfn; -1 when unset or no such device. */
  readonly parentOrder: number;
  readonly physfnOrder: number;
  /** pci_pcie_type(dev); null when there is no PCIe capability (conventional PCI). */
  readonly pcieType: PcieDevicePortType | null;
  /** pci_is_bridge: header type 1 (PCI-to-PCI) or 2 (CardBus). */
  readonly isBridge: boolean;
  /** dev->multifunction: header type bit 7, or a function > 0 found by pci_scan_slot;
   * never for a VF (drivers/pci/iov.c: pci_iov_add_virtfn leaves it 0). */
  readonly multifunction: boolean;
  /** Identity of dev->bus: the bridge above it plus the bus number (a VF on another bus
   * number than its PF sits on a virtual bus whose bus->self is NULL). A number: equal
   * numbers, same bus (see busKeyOf). */
  readonly busKey: number;
  /** dev->bus->self, or null on a root bus or a virtual (SR-IOV) bus. */
  readonly busSelf: DeviceDesc | null;
  readonly busNumber: number;
  readonly devfn: number; // PCI_DEVFN(slot, fn)
}

export interface PciIndex {
  /** Name -> device; a name given twice resolves to its last device (as every lookup here). */
  readonly byName: NameIndex<PciDevInfo>;
  /** Name -> order of byName's device (shared with platform-index.ts). */
  readonly orderOf: ReadonlyMap<string, number>;
  /** Every device by `order` (p.devices order). */
  readonly list: readonly PciDevInfo[];
  /** For each p.devices index, byName.get(its name): `list` itself when names are unique. */
  readonly entryOf: readonly PciDevInfo[];
  /** Devices by busKey, in enumeration order (for_each_pci_dev restricted to one bus). */
  readonly byBus: ReadonlyMap<number, readonly PciDevInfo[]>;
}

/** By the devices array, not the Platform: the index reads nothing else of a Platform (the
 * platforms of a matrix's cells and parts share their devices array — verify/reduce.ts
 * restrict, verify/part-memo.ts — and so their index). test/kernel/static-index-reads.test.ts
 * checks what the builders read. */
const INDEX = new WeakMap<readonly DeviceDesc[], PciIndex>();

const hex = (c: number): number => (c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1);
/** Hex digits s[at .. at+len) as a number; -1 when any is not a hex digit. */
function hexAt(s: string, at: number, len: number): number {
  let v = 0;
  for (let k = at; k < at + len; k++) {
    const h = hex(s.charCodeAt(k));
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

/** "DDDD:BB:DD.F" or "BB:DD.F" -> numbers; a bad string falls back to the decoded config's Bdf.
 * (The grammar of /^(?:([0-9a-f]{4}):)?([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$/i, parsed by hand:
 * no match array or substrings per device.) */
function bdfOf(d: DeviceDesc): { domain: number; bus: number; dev: number; fn: number } {
  const s = d.bdf;
  const at = s.length === 12 ? 5 : s.length === 7 ? 0 : -1;
  const domain = at === 5 && s.charCodeAt(4) === 0x3a ? hexAt(s, 0, 4) : at === 0 ? 0 : -1;
  const fn = s.charCodeAt(at + 6) - 0x30;
  if (domain < 0 || s.charCodeAt(at + 2) !== 0x3a || s.charCodeAt(at + 5) !== 0x2e || !(fn >= 0 && fn <= 7)) return d.config.bdf;
  const bus = hexAt(s, at, 2);
  const dev = hexAt(s, at + 3, 2);
  if (bus < 0 || dev < 0) return d.config.bdf;
  return { domain, bus, dev, fn };
}

/** dev->bus identity as a number (exact in a double): the bus number under the upstream bridge
 * (its order), under a root bus (its domain), or under a parent name no device has (its id). */
const SPAN = 0x10000;
const busKeyOf = {
  bridge: (upOrder: number, bus: number): number => upOrder * SPAN + bus,
  root: (domain: number, bus: number): number => -(domain * SPAN + bus) - 1,
  dangling: (id: number, bus: number): number => -SPAN * SPAN - 1 - (id * SPAN + bus),
};

function build(p: Platform): PciIndex {
  const dangling = new Map<string, number>(); // parent names no device has
  // name -> order, last device of a name wins (as Map.set over p.devices did for names)
  const orderOf = new Map<string, number>();
  p.devices.forEach((d, order) => orderOf.set(d.name, order));
  const list: PciDevInfo[] = [];
  p.devices.forEach((d, order) => {
    const pfOrder = d.physfn !== undefined ? orderOf.get(d.physfn) : undefined;
    const pf = pfOrder === undefined ? undefined : p.devices[pfOrder];
    const isVirtfn = d.physfn !== undefined;
    const physfn = pf ?? d;
    // include/linux/pci.h: pci_upstream_bridge — dev = pci_physfn(dev); root bus -> NULL; else bus->self
    const upParent = pf !== undefined ? pf.parent : d.parent;
    const upOrder = upParent === null ? -1 : (orderOf.get(upParent) ?? -1);
    const upstream = upOrder < 0 ? null : p.devices[upOrder];
    const b = bdfOf(d);
    const pfBus = pf !== undefined ? bdfOf(pf).bus : b.bus;
    // drivers/pci/iov.c: virtfn_add_bus — a VF on another bus number hangs on a virtual bus (self NULL)
    const onVirtualBus = isVirtfn && b.bus !== pfBus;
    const busSelf = onVirtualBus ? null : upstream;
    let busKey: number;
    if (upParent === null) busKey = busKeyOf.root(b.domain, b.bus);
    else if (upOrder >= 0) busKey = busKeyOf.bridge(upOrder, b.bus);
    else {
      let id = dangling.get(upParent);
      if (id === undefined) dangling.set(upParent, (id = dangling.size));
      busKey = busKeyOf.dangling(id, b.bus);
    }
    const h = d.config.header;
    const info: PciDevInfo = {
      desc: d,
      order,
      physfn,
      isVirtfn,
      upstream,
      upOrder,
      parentOrder: d.parent === null ? -1 : (orderOf.get(d.parent) ?? -1),
      physfnOrder: pfOrder ?? -1,
      pcieType: d.config.pcie?.type ?? null,
      isBridge: h !== null && (h.headerType === 1 || h.headerType === 2),
      multifunction: !isVirtfn && ((h?.multifunction ?? false) || b.fn > 0),
      busKey,
      busSelf,
      busNumber: b.bus,
      devfn: (b.dev << 3) | b.fn,
    };
    list.push(info);
  });
  const byName = nameIndex(orderOf, list);
  let byBus: Map<number, PciDevInfo[]> | undefined;
  return {
    byName,
    orderOf,
    list,
    entryOf: byName.size === list.length ? list : p.devices.map((d) => byName.get(d.name) as PciDevInfo),
    get byBus(): ReadonlyMap<number, readonly PciDevInfo[]> {
      if (byBus === undefined) {
        byBus = new Map();
        for (const info of list) {
          const l = byBus.get(info.busKey);
          if (l === undefined) byBus.set(info.busKey, [info]);
          else l.push(info);
        }
      }
      return byBus;
    },
  };
}

/** The memoised index of `p`. */
export function pciIndex(p: Platform): PciIndex {
  let ix = INDEX.get(p.devices);
  if (ix === undefined) {
    ix = build(p);
    INDEX.set(p.devices, ix);
  }
  return ix;
}

/** The device called `name`, or undefined. */
export function findDevice(p: Platform, name: string): DeviceDesc | undefined {
  return pciIndex(p).byName.get(name)?.desc;
}

/** pci_dev facts of `name`; an unknown name is our caller's bug (IMPOSSIBLE), not a kernel outcome. */
export function pciDev(p: Platform, name: string): PciDevInfo {
  const i = pciIndex(p).byName.get(name);
  if (i === undefined) throw new Error(`IMPOSSIBLE: no device "${name}" on platform "${p.name}"`);
  return i;
}

/** pci_dev facts of pci_upstream_bridge(d) (its index entry), or undefined on a root bus. */
export function pciUpstreamInfo(ix: PciIndex, d: PciDevInfo): PciDevInfo | undefined {
  return d.upOrder < 0 ? undefined : ix.list[d.upOrder];
}

/** include/linux/pci.h: pcie_find_root_port — the first Root Port walking up from dev itself. */
export function pcieFindRootPort(p: Platform, name: string): DeviceDesc | null {
  const ix = pciIndex(p);
  let cur: PciDevInfo | undefined = pciDev(p, name);
  for (let hops = 0; cur !== undefined && hops <= p.devices.length; hops++) {
    if (cur.pcieType === 'root-port') return cur.desc;
    cur = pciUpstreamInfo(ix, cur);
  }
  return null;
}

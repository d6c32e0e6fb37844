// struct pci_dev accessors over the Platform: a per-Platform lookup index (name -> device,
// memoised in a WeakMap so lookups are O(1) on 100,000-function platforms) and the
// include/linux/pci.h helpers the rules are written in (pci_upstream_bridge, pci_physfn,
// pci_pcie_type, pci_is_bridge, bus and devfn). Pure: a Platform is never mutated.
import type { PcieDevicePortType } from '../../pci/types.js';
import type { DeviceDesc, Platform } from '../../platform/types.js';

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
  /** pci_pcie_type(dev); null when there is no PCIe capability (conventional PCI). */
  readonly pcieType: PcieDevicePortType | null;
  /** pci_is_bridge: header type 1 (PCI-to-PCI) or 2 (CardBus). */
  readonly isBridge: boolean;
  /** dev->multifunction: header type bit 7, or a function > 0 found by pci_scan_slot;
   * never for a VF (drivers/pci/iov.c: pci_iov_add_virtfn leaves it 0). */
  readonly multifunction: boolean;
  /** Identity of dev->bus: the bridge above it plus the bus number (a VF on another bus
   * number than its PF sits on a virtual bus whose bus->self is NULL). */
  readonly busKey: string;
  /** dev->bus->self, or null on a root bus or a virtual (SR-IOV) bus. */
  readonly busSelf: DeviceDesc | null;
  readonly busNumber: number;
  readonly devfn: number; // PCI_DEVFN(slot, fn)
}

export interface PciIndex {
  readonly byName: ReadonlyMap<string, PciDevInfo>;
  /** Devices by busKey, in enumeration order (for_each_pci_dev restricted to one bus). */
  readonly byBus: ReadonlyMap<string, readonly PciDevInfo[]>;
}

const INDEX = new WeakMap<Platform, PciIndex>();

/** "DDDD:BB:DD.F" or "BB:DD.F" -> numbers; a bad string falls back to the decoded config's Bdf. */
function bdfOf(d: DeviceDesc): { domain: number; bus: number; dev: number; fn: number } {
  const m = /^(?:([0-9a-f]{4}):)?([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$/i.exec(d.bdf);
  if (m === null) return d.config.bdf;
  return { domain: m[1] ? parseInt(m[1], 16) : 0, bus: parseInt(m[2], 16), dev: parseInt(m[3], 16), fn: parseInt(m[4], 10) };
}

function build(p: Platform): PciIndex {
  const descs = new Map<string, DeviceDesc>();
  for (const d of p.devices) descs.set(d.name, d);
  const byName = new Map<string, PciDevInfo>();
  const byBus = new Map<string, PciDevInfo[]>();
  p.devices.forEach((d, order) => {
    const pf = d.physfn !== undefined ? descs.get(d.physfn) : undefined;
    const isVirtfn = d.physfn !== undefined;
    const physfn = pf ?? d;
    // include/linux/pci.h: pci_upstream_bridge — dev = pci_physfn(dev); root bus -> NULL; else bus->self
    const upParent = pf !== undefined ? pf.parent : d.parent;
    const upstream = upParent === null ? null : (descs.get(upParent) ?? null);
    const b = bdfOf(d);
    const pfBus = pf !== undefined ? bdfOf(pf).bus : b.bus;
    // drivers/pci/iov.c: virtfn_add_bus — a VF on another bus number hangs on a virtual bus (self NULL)
    const onVirtualBus = isVirtfn && b.bus !== pfBus;
    const busSelf = onVirtualBus ? null : upstream;
    const busKey = `${upParent === null ? `root:${b.domain}` : `br:${upParent}`}/${b.bus}`;
    const h = d.config.header;
    const info: PciDevInfo = {
      desc: d,
      order,
      physfn,
      isVirtfn,
      upstream,
      pcieType: d.config.pcie?.type ?? null,
      isBridge: h !== null && (h.headerType === 1 || h.headerType === 2),
      multifunction: !isVirtfn && ((h?.multifunction ?? false) || b.fn > 0),
      busKey,
      busSelf,
      busNumber: b.bus,
      devfn: (b.dev << 3) | b.fn,
    };
    byName.set(d.name, info);
    const list = byBus.get(busKey);
    if (list === undefined) byBus.set(busKey, [info]);
    else list.push(info);
  });
  return { byName, byBus };
}

/** The memoised index of `p`. */
export function pciIndex(p: Platform): PciIndex {
  let ix = INDEX.get(p);
  if (ix === undefined) {
    ix = build(p);
    INDEX.set(p, ix);
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

/** include/linux/pci.h: pcie_find_root_port — the first Root Port walking up from dev itself. */
export function pcieFindRootPort(p: Platform, name: string): DeviceDesc | null {
  let cur: PciDevInfo | undefined = pciDev(p, name);
  for (let hops = 0; cur !== undefined && hops <= p.devices.length; hops++) {
    if (cur.pcieType === 'root-port') return cur.desc;
    cur = cur.upstream === null ? undefined : pciIndex(p).byName.get(cur.upstream.name);
  }
  return null;
}

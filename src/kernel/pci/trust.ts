// R2.1–R2.4 trust derivation: external_facing, untrusted, removable, "tunneled".
//
// Kernel source read (torvalds/linux; the merged v5 of "PCI: Detect and trust built-in
// Thunderbolt chips", v6.13):
// - drivers/pci/pci-acpi.c: pci_acpi_set_external_facing — only a PCIe *Root Port* with a
//   nonzero "ExternalFacingPort" _DSD gets external_facing (mainline form; a proposal to add
//   downstream ports was not what merged). R2.1's UNVERIFIED note is thereby confirmed.
// - drivers/pci/probe.c: set_pcie_untrusted — no upstream bridge: trusted; upstream bridge
//   untrusted: untrusted; else untrusted iff arch_pci_dev_is_removable(dev).
// - drivers/pci/probe.c: pci_set_removable — no upstream bridge: not removable; parent
//   removable: removable; else removable iff arch_pci_dev_is_removable(dev).
// - The reference calls the test `pcie_is_tunneled` in drivers/pci/probe.c. What merged is
//   arch/x86/pci/acpi.c: arch_pci_dev_is_removable (renamed in v5), declared in
//   include/linux/pci.h only for CONFIG_X86 && CONFIG_ACPI; every other architecture gets
//   an inline stub returning false. So on arm64 (SMMUv3) from v6.13 no PCI device is ever
//   marked untrusted or removable by topology. Option `arch: 'arm64'` models that; the
//   default stays the x86 form the reference (R2.3) and the brief describe.
// - pcie_switch_directly_under(root, dev): an Upstream Port whose parent is the root port;
//   a Downstream Port whose parent is such an Upstream Port; an Endpoint whose parent is
//   such a Downstream Port. Anything else (including a bridge of another type, or an
//   endpoint directly under the root port) is *not* directly under, hence tunneled.
// - Before v6.13 (option `form: 'pre-v6.13'`): untrusted iff parent untrusted or parent
//   external_facing; removable iff parent removable or parent external_facing.
import type { DeviceDesc, Platform } from '../platform.js';
import { pciIndex, pcieFindRootPort, pciUpstreamInfo, type PciDevInfo, type PciIndex } from './index.js';
import { dict, lazyRecord } from './state.js';

export interface PciTopology {
  readonly untrusted: Readonly<Record<string, boolean>>;
  readonly removable: Readonly<Record<string, boolean>>;
  readonly tunneled: Readonly<Record<string, boolean>>;
  /** pcie_find_root_port(dev): the device itself when it is a root port; null if none. */
  readonly rootPort: Readonly<Record<string, string | null>>;
  readonly isVf: Readonly<Record<string, boolean>>;
  readonly isBridge: Readonly<Record<string, boolean>>;
  /** dev->external_facing (R2.1). Added field. */
  readonly externalFacing: Readonly<Record<string, boolean>>;
}

/** The same facts by PciDevInfo.order (what the model reads: no name-keyed records). Each
 * device of pciIndex(p).byName has its entry; the PciTopology records are built from these
 * on first read. */
export interface PciTrust {
  readonly untrusted: Uint8Array;
  readonly removable: Uint8Array;
  readonly tunneled: Uint8Array;
  /** order of pcie_find_root_port(dev); -1: none. */
  readonly rootPort: Int32Array;
  readonly externalFacing: Uint8Array;
  /** The orders in the order they were resolved (parents first), for the records' key order. */
  readonly resolved: Int32Array;
}

export interface TrustOptions {
  /** 'v6.13' (default): arch_pci_dev_is_removable; 'pre-v6.13': parent external_facing. */
  readonly form?: 'v6.13' | 'pre-v6.13';
  /** 'x86' (default): the ACPI test runs; 'arm64': the include/linux/pci.h stub returns false. */
  readonly arch?: 'x86' | 'arm64';
}

/** R2.3a arch/x86/pci/acpi.c: pcie_has_usb4_host_interface — Intel integrated TBT3/4 root ports
 * (Ice Lake, Tiger Lake-LP, Tiger Lake-H) that predate the "usb4-host-interface" property. */
export const INTEL_INTEGRATED_TBT_ROOT_PORTS: readonly number[] = [
  0x8a1d, 0x8a1f, 0x8a21, 0x8a23, 0x9a23, 0x9a25, 0x9a27, 0x9a29, 0x9a2b, 0x9a2d, 0x9a2f, 0x9a31,
];
const PCI_VENDOR_ID_INTEL = 0x8086;

/** By the devices array, as pci/index.ts: trust reads nothing else of a Platform. */
const MEMO = new WeakMap<readonly DeviceDesc[], Map<string, { trust: PciTrust; topo: PciTopology }>>();

/** R2.1 drivers/pci/pci-acpi.c: pci_acpi_set_external_facing — root ports only. */
function externalFacing(d: PciDevInfo): boolean {
  return d.desc.externalFacing && d.pcieType === 'root-port';
}

/** R2.3a pcie_has_usb4_host_interface(bridge). `DeviceDesc.usb4HostInterface` is read on the
 * bridge itself (where the kernel looks) and, per its doc comment ("upstream bridge
 * carries..."), on the device below it. */
function hasUsb4HostInterface(bridge: PciDevInfo, dev: PciDevInfo): boolean {
  if (bridge.desc.usb4HostInterface === true || dev.desc.usb4HostInterface === true) return true;
  const h = bridge.desc.config.header;
  return h !== null && h.vendorId === PCI_VENDOR_ID_INTEL && INTEL_INTEGRATED_TBT_ROOT_PORTS.includes(h.deviceId);
}

/** R2.3b arch/x86/pci/acpi.c: pcie_switch_directly_under(bridge, pdev); `root` is the root
 * port's order (names are unique in the index, so equal orders are equal names). */
function switchDirectlyUnder(ix: PciIndex, root: number, d: PciDevInfo): boolean {
  const parent = pciUpstreamInfo(ix, d);
  if (parent === undefined) return false;
  switch (d.pcieType) {
    case 'upstream-port':
      return d.upOrder === root;
    case 'downstream-port':
      return parent.pcieType === 'upstream-port' && parent.upOrder === root;
    case 'endpoint': {
      const usp = pciUpstreamInfo(ix, parent);
      if (parent.pcieType !== 'downstream-port' || usp === undefined) return false;
      return usp.pcieType === 'upstream-port' && usp.upOrder === root;
    }
    default:
      return false;
  }
}

/** R2.3 arch/x86/pci/acpi.c: arch_pci_dev_is_removable (the reference's pcie_is_tunneled). */
function isTunneled(ix: PciIndex, d: PciDevInfo, root: number, arch: 'x86' | 'arm64'): boolean {
  if (arch !== 'x86') return false; // include/linux/pci.h stub for !(X86 && ACPI)
  const up = pciUpstreamInfo(ix, d);
  if (up === undefined) return false; // no parent: never tunneled
  if (root < 0) return false; // pcie_find_root_port
  if (!externalFacing(ix.list[root])) return false; // internal devices
  if (hasUsb4HostInterface(up, d)) return true; // directly behind USB4 host interface
  if (switchDirectlyUnder(ix, root, d)) return false; // discrete TBT chip: trusted, fixed
  return true; // PCIe devices after the discrete chip
}

function compute(p: Platform, o: Required<TrustOptions>): PciTrust {
  const ix = pciIndex(p);
  const n = ix.list.length;
  const untrusted = new Uint8Array(n);
  const removable = new Uint8Array(n);
  const tunneled = new Uint8Array(n);
  const rootPort = new Int32Array(n).fill(-1);
  const ext = new Uint8Array(n);
  const done = new Uint8Array(n);
  const resolved = new Int32Array(ix.byName.size);
  let count = 0;

  // Parents before children (pci_setup_device order); a parent listed later is resolved first.
  const stack: PciDevInfo[] = [];
  const resolve = (start: PciDevInfo): void => {
    stack.length = 0;
    let cur: PciDevInfo | undefined = start;
    while (cur !== undefined && done[cur.order] === 0 && !stack.includes(cur)) {
      stack.push(cur);
      cur = pciUpstreamInfo(ix, cur);
    }
    for (let i = stack.length - 1; i >= 0; i--) {
      const d = stack[i];
      const k = d.order;
      const parent = d.upOrder; // -1: no upstream bridge
      // include/linux/pci.h: pcie_find_root_port — itself if a root port, else the parent's
      const rp = d.pcieType === 'root-port' ? k : parent < 0 ? -1 : done[parent] === 1 ? rootPort[parent] : orderOf(ix, pcieFindRootPort(p, ix.list[parent].desc.name));
      rootPort[k] = rp;
      const t = isTunneled(ix, d, rp, o.arch);
      const tun = o.form === 'v6.13' ? t : parent >= 0 && externalFacing(ix.list[parent]);
      tunneled[k] = tun ? 1 : 0;
      if (parent < 0) {
        untrusted[k] = 0; // R2.2 no upstream bridge: trusted
        removable[k] = 0; // R2.4
      } else {
        // R2.2 drivers/pci/probe.c: set_pcie_untrusted — inherited, else tunneled
        untrusted[k] = (done[parent] === 1 && untrusted[parent] === 1) || tun ? 1 : 0;
        // R2.4 drivers/pci/probe.c: pci_set_removable — inherited, else tunneled
        removable[k] = (done[parent] === 1 && removable[parent] === 1) || tun ? 1 : 0;
      }
      ext[k] = externalFacing(d) ? 1 : 0;
      done[k] = 1;
      resolved[count++] = k;
    }
  };
  for (const d of ix.byName.values()) resolve(d);
  return { untrusted, removable, tunneled, rootPort, externalFacing: ext, resolved };
}

const orderOf = (ix: PciIndex, d: { readonly name: string } | null): number => (d === null ? -1 : (ix.byName.get(d.name)?.order ?? -1));

/** The name-keyed records of PciTopology, each built from `t` on its first read (a 100,000-key
 * record costs more than the whole computation; the model itself reads PciTrust). */
function records(p: Platform, t: PciTrust): PciTopology {
  const ix = pciIndex(p);
  const rec = <T>(f: (k: number) => T): Record<string, T> => {
    const r = dict<T>();
    for (const k of t.resolved) r[ix.list[k].desc.name] = f(k);
    return r;
  };
  const lazy = {
    untrusted: () => rec((k) => t.untrusted[k] === 1),
    removable: () => rec((k) => t.removable[k] === 1),
    tunneled: () => rec((k) => t.tunneled[k] === 1),
    rootPort: () => rec((k) => (t.rootPort[k] < 0 ? null : ix.list[t.rootPort[k]].desc.name)),
    isVf: () => rec((k) => ix.list[k].isVirtfn),
    isBridge: () => rec((k) => ix.list[k].isBridge),
    externalFacing: () => rec((k) => t.externalFacing[k] === 1),
  };
  return lazyRecord<PciTopology>(lazy);
}

function memo(p: Platform, opts: TrustOptions): { trust: PciTrust; topo: PciTopology } {
  const o: Required<TrustOptions> = { form: opts.form ?? 'v6.13', arch: opts.arch ?? 'x86' };
  const key = `${o.form}/${o.arch}`;
  let m = MEMO.get(p.devices);
  if (m === undefined) {
    m = new Map();
    MEMO.set(p.devices, m);
  }
  let e = m.get(key);
  if (e === undefined) {
    const trust = compute(p, o);
    e = { trust, topo: records(p, trust) };
    m.set(key, e);
  }
  return e;
}

/** R2.1–R2.4: trust facts of every device of `p`, computed once per Platform (and options). */
export function pciTopology(p: Platform, opts: TrustOptions = {}): PciTopology {
  return memo(p, opts).topo;
}

/** R2.1–R2.4 as arrays by PciDevInfo.order (same facts as pciTopology). */
export function pciTrust(p: Platform, opts: TrustOptions = {}): PciTrust {
  return memo(p, opts).trust;
}

/** dev->untrusted (R2.2), default options. */
export function pciDevUntrusted(p: Platform, dev: string): boolean {
  const d = pciIndex(p).byName.get(dev);
  return d !== undefined && pciTrust(p).untrusted[d.order] === 1;
}

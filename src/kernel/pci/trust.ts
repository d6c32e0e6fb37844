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
import type { Platform } from '../../platform/types.js';
import { pciDev, pciIndex, pcieFindRootPort, type PciDevInfo } from './index.js';
import { dict } from './state.js';

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

const MEMO = new WeakMap<Platform, Map<string, PciTopology>>();

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

/** R2.3b arch/x86/pci/acpi.c: pcie_switch_directly_under(bridge, pdev). */
function switchDirectlyUnder(p: Platform, root: string, d: PciDevInfo): boolean {
  const up = d.upstream;
  if (up === null) return false;
  const parent = pciDev(p, up.name);
  switch (d.pcieType) {
    case 'upstream-port':
      return up.name === root;
    case 'downstream-port':
      return parent.pcieType === 'upstream-port' && parent.upstream?.name === root;
    case 'endpoint': {
      if (parent.pcieType !== 'downstream-port' || parent.upstream === null) return false;
      const usp = pciDev(p, parent.upstream.name);
      return usp.pcieType === 'upstream-port' && usp.upstream?.name === root;
    }
    default:
      return false;
  }
}

/** R2.3 arch/x86/pci/acpi.c: arch_pci_dev_is_removable (the reference's pcie_is_tunneled). */
function isTunneled(p: Platform, d: PciDevInfo, root: string | null, arch: 'x86' | 'arm64'): boolean {
  if (arch !== 'x86') return false; // include/linux/pci.h stub for !(X86 && ACPI)
  if (d.upstream === null) return false; // no parent: never tunneled
  if (root === null) return false; // pcie_find_root_port
  if (!externalFacing(pciDev(p, root))) return false; // internal devices
  if (hasUsb4HostInterface(pciDev(p, d.upstream.name), d)) return true; // directly behind USB4 host interface
  if (switchDirectlyUnder(p, root, d)) return false; // discrete TBT chip: trusted, fixed
  return true; // PCIe devices after the discrete chip
}

function compute(p: Platform, o: Required<TrustOptions>): PciTopology {
  const ix = pciIndex(p);
  const untrusted = dict<boolean>();
  const removable = dict<boolean>();
  const tunneled = dict<boolean>();
  const rootPort = dict<string | null>();
  const isVf = dict<boolean>();
  const isBridge = dict<boolean>();
  const ext = dict<boolean>();

  // Parents before children (pci_setup_device order); a parent listed later is resolved first.
  const resolve = (start: PciDevInfo): void => {
    const stack: PciDevInfo[] = [];
    let cur: PciDevInfo | undefined = start;
    while (cur !== undefined && !(cur.desc.name in untrusted) && !stack.includes(cur)) {
      stack.push(cur);
      cur = cur.upstream === null ? undefined : ix.byName.get(cur.upstream.name);
    }
    for (let i = stack.length - 1; i >= 0; i--) {
      const d = stack[i];
      const n = d.desc.name;
      const parent = d.upstream === null ? null : d.upstream.name;
      // include/linux/pci.h: pcie_find_root_port — itself if a root port, else the parent's
      const rp = d.pcieType === 'root-port' ? n : parent === null ? null : (parent in rootPort ? rootPort[parent] : (pcieFindRootPort(p, parent)?.name ?? null));
      rootPort[n] = rp;
      const t = isTunneled(p, d, rp, o.arch);
      tunneled[n] = o.form === 'v6.13' ? t : parent !== null && externalFacing(pciDev(p, parent));
      if (parent === null) {
        untrusted[n] = false; // R2.2 no upstream bridge: trusted
        removable[n] = false; // R2.4
      } else {
        // R2.2 drivers/pci/probe.c: set_pcie_untrusted — inherited, else tunneled
        untrusted[n] = (untrusted[parent] ?? false) || tunneled[n];
        // R2.4 drivers/pci/probe.c: pci_set_removable — inherited, else tunneled
        removable[n] = (removable[parent] ?? false) || tunneled[n];
      }
      isVf[n] = d.isVirtfn;
      isBridge[n] = d.isBridge;
      ext[n] = externalFacing(d);
    }
  };
  for (const d of ix.byName.values()) resolve(d);
  return { untrusted, removable, tunneled, rootPort, isVf, isBridge, externalFacing: ext };
}

/** R2.1–R2.4: trust facts of every device of `p`, computed once per Platform (and options). */
export function pciTopology(p: Platform, opts: TrustOptions = {}): PciTopology {
  const o: Required<TrustOptions> = { form: opts.form ?? 'v6.13', arch: opts.arch ?? 'x86' };
  const key = `${o.form}/${o.arch}`;
  let m = MEMO.get(p);
  if (m === undefined) {
    m = new Map();
    MEMO.set(p, m);
  }
  let t = m.get(key);
  if (t === undefined) {
    t = compute(p, o);
    m.set(key, t);
  }
  return t;
}

/** dev->untrusted (R2.2), default options. */
export function pciDevUntrusted(p: Platform, dev: string): boolean {
  return pciTopology(p).untrusted[dev] ?? false;
}

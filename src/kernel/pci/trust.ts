// R2.1–R2.4 trust derivation (drivers/pci/probe.c: set_pcie_untrusted, pci_set_removable,
// pcie_is_tunneled). STUB: signature committed first; body follows.
import type { Platform } from '../../platform/types.js';

export interface PciTopology {
  readonly untrusted: Readonly<Record<string, boolean>>;
  readonly removable: Readonly<Record<string, boolean>>;
  readonly tunneled: Readonly<Record<string, boolean>>;
  readonly rootPort: Readonly<Record<string, string | null>>;
  readonly isVf: Readonly<Record<string, boolean>>;
  readonly isBridge: Readonly<Record<string, boolean>>;
}

export function pciTopology(p: Platform): PciTopology {
  const o = (v: boolean) => Object.fromEntries(p.devices.map((d) => [d.name, v]));
  return { untrusted: o(false), removable: o(false), tunneled: o(false), rootPort: Object.fromEntries(p.devices.map((d) => [d.name, null])), isVf: Object.fromEntries(p.devices.map((d) => [d.name, d.physfn !== undefined])), isBridge: o(false) };
}

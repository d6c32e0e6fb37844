// A model platform's devices as the agent sees them (for `agent simulate`): identity and
// capabilities from the decoded config space, trust and groups from the model's own index
// (kernel/platform-index.ts: R2.2 set_pcie_untrusted, R3 pci_device_group), no driver bound
// (boot), a sysfs path synthesised from the topology.
import type { PciIdentity } from '../platform/sysfs-reader.js';
import { formatBdf, parseBdf } from '../pci/bdf.js';
import type { Platform } from '../kernel/platform.js';
import { platIndex } from '../kernel/platform-index.js';
import type { PciFunction } from '../pci/types.js';
import { formatDsn, type AgentDevice, type Cap } from './device.js';
import { measure } from './measure.js';

export function capsOf(fn: PciFunction): Set<Cap> {
  const c = new Set<Cap>();
  if (fn.ats) c.add('ats');
  if (fn.pasid) c.add('pasid');
  if (fn.pri) c.add('pri');
  if (fn.sriov) c.add('sriov');
  for (const d of fn.dvsecs) {
    if (d.cxlDevice?.cacheCapable) c.add('cxl-cache');
    if (d.cxlDevice?.memCapable) c.add('cxl-mem');
    if (d.cxlDevice?.ioCapable) c.add('cxl-io');
  }
  return c;
}

export const fullBdf = (text: string): string => {
  const b = parseBdf(text);
  if (!b) throw new Error(`bad BDF ${text}`);
  return formatBdf(b, true);
};

export function platformDevices(p: Platform): AgentDevice[] {
  const ix = platIndex(p);
  const bdfOf = (i: number): string => fullBdf(ix.devs[i].desc.bdf);
  const hashes = new Map<number, string | null>();
  const out: AgentDevice[] = [];
  for (const d of ix.devs) {
    const fn = d.desc.config;
    const h = fn.header;
    const via: string[] = [];
    const chain: string[] = [];
    for (let up = d.physfn !== null ? ix.devs[d.physfn].parent : d.parent; up !== null; up = ix.devs[up].parent) via.push(bdfOf(up));
    for (let up: number | null = d.i; up !== null; up = ix.devs[up].physfn ?? ix.devs[up].parent) chain.unshift(bdfOf(up));
    const bdf = bdfOf(d.i);
    const identity: PciIdentity = {
      vendor: h?.vendorId ?? null,
      device: h?.deviceId ?? null,
      subsystemVendor: h?.subsystemVendorId ?? null,
      subsystemDevice: h?.subsystemId ?? null,
      classCode: h === null ? null : (h.classCode << 16) | (h.subclass << 8) | h.progIf,
      revision: h?.revision ?? null,
    };
    const hash = measure({ fn, ...identity });
    hashes.set(d.i, hash);
    const parentIx = d.physfn ?? d.parent;
    out.push({
      bdf,
      name: d.name,
      ...identity,
      path: `/sys/devices/pci${bdf.slice(0, 7)}/${chain.join('/')}`,
      via,
      isBridge: d.isBridge,
      dsn: fn.dsn ? formatDsn(fn.dsn.serial) : null,
      hash,
      parentHash: parentIx === null ? null : (hashes.get(parentIx) ?? null),
      caps: fn.config.length >= 256 ? capsOf(fn) : null,
      external: d.untrusted,
      removable: d.untrusted,
      group: d.group,
      groupSize: ix.groups[d.group].members.length,
      vf: d.isVf,
      physfn: d.physfn === null ? null : bdfOf(d.physfn),
      driver: null,
      driverOverride: null,
    });
  }
  return out;
}

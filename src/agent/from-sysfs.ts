// A live host's functions (readSysfs, the project's one confined walker) as the agent sees
// them. `external` and `removable` both come from the kernel's `removable` attribute: the
// internal `untrusted` flag has no sysfs attribute (device-acceptance.md §3.2, §6), and PCI
// marks devices below an external-facing port removable (drivers/pci/probe.c:
// pci_set_removable).
import type { SysfsFunction, SysfsHost } from '../platform/sysfs-reader.js';
import { formatDsn, type AgentDevice } from './device.js';
import { capsOf } from './from-platform.js';
import { measure } from './measure.js';

export function measureSysfs(f: SysfsFunction): string | null {
  return measure({ fn: f.fn, vendor: f.vendor, device: f.device, subsystemVendor: f.subsystemVendor, subsystemDevice: f.subsystemDevice, classCode: f.classCode, revision: f.revision });
}

function isBridgeFn(f: SysfsFunction): boolean {
  if (f.fn?.header) return f.fn.header.headerType === 1;
  return f.classCode !== null && (f.classCode >> 8 === 0x0604 || f.classCode >> 8 === 0x0609);
}

export function sysfsDevices(host: SysfsHost): AgentDevice[] {
  const byName = new Map(host.functions.map((f) => [f.name, f]));
  const groupSize = new Map(host.groups.map((g) => [g.id, g.devices.length]));
  const hashes = new Map<string, string | null>();
  const hashOf = (f: SysfsFunction): string | null => {
    let h = hashes.get(f.name);
    if (h === undefined) {
      h = measureSysfs(f);
      hashes.set(f.name, h);
    }
    return h;
  };
  return host.functions.map((f) => {
    const via: string[] = [];
    const seen = new Set<string>([f.name]);
    const start = f.physfn !== null ? byName.get(f.physfn)?.parent ?? null : f.parent;
    for (let up = start; up !== null && !seen.has(up); up = byName.get(up)?.parent ?? null) {
      seen.add(up);
      via.push(up);
    }
    const parentName = f.physfn ?? f.parent;
    const parent = parentName === null ? undefined : byName.get(parentName);
    const rem = f.removable === null || f.removable === 'unknown' ? null : f.removable === 'removable';
    return {
      bdf: f.name,
      name: null,
      vendor: f.vendor,
      device: f.device,
      subsystemVendor: f.subsystemVendor,
      subsystemDevice: f.subsystemDevice,
      classCode: f.classCode,
      revision: f.revision,
      path: '/' + f.devicePath,
      via,
      isBridge: isBridgeFn(f),
      dsn: f.fn?.dsn ? formatDsn(f.fn.dsn.serial) : null,
      hash: hashOf(f),
      parentHash: parent === undefined ? null : hashOf(parent),
      caps: f.fn !== null && f.fn.config.length >= 256 ? capsOf(f.fn) : null,
      external: rem,
      removable: rem,
      group: f.iommuGroup,
      groupSize: f.iommuGroup === null ? null : (groupSize.get(f.iommuGroup) ?? null),
      vf: f.physfn !== null,
      physfn: f.physfn,
      driver: f.driver,
      driverOverride: f.driverOverride,
    };
  });
}

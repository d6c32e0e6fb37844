// The memo of the model's static per-platform indices that depend on the topology and on
// pci_device_group's one scalar input (iommu/groups.ts, platform-index.ts): kept by the devices
// array and acsEnabledAtEnumeration(p) (p.features.lateAcsRequest), with a per-Platform front.
// The matrix builds a Platform per cell and part, and its part memo (verify/part-memo.ts) a
// recording copy per exploration, all sharing their devices array: they share these indices.
// The scalar is read from every new Platform object before the shared entry is used, so a
// recording copy records the read as the computation would. The builders must read nothing else
// of a Platform: test/kernel/static-index-reads.test.ts logs what they read.
import type { DeviceDesc, Platform } from './platform.js';
import { acsEnabledAtEnumeration } from './pci/acs.js';

/** `build`, memoised by (p.devices, acsEnabledAtEnumeration(p)) and per Platform object. */
export function topologyMemo<T>(build: (p: Platform) => T): (p: Platform) => T {
  const byPlatform = new WeakMap<Platform, T>();
  const shared = new WeakMap<readonly DeviceDesc[], [T | undefined, T | undefined]>();
  return (p) => {
    const hit = byPlatform.get(p);
    if (hit !== undefined) return hit;
    const std = acsEnabledAtEnumeration(p) ? 1 : 0;
    let slots = shared.get(p.devices);
    if (slots === undefined) shared.set(p.devices, (slots = [undefined, undefined]));
    let x = slots[std];
    if (x === undefined) slots[std] = x = build(p);
    byPlatform.set(p, x);
    return x;
  };
}

// R3.1–R3.8 drivers/iommu/iommu.c: pci_device_group. STUB: signature committed first.
import type { Platform } from '../../platform/types.js';

export interface IommuGroups {
  readonly groupOf: Readonly<Record<string, string>>;
  readonly members: Readonly<Record<string, readonly string[]>>;
}
export function pciDeviceGroups(p: Platform): IommuGroups {
  const groupOf: Record<string, string> = {};
  const members: Record<string, string[]> = {};
  p.devices.forEach((d, i) => { groupOf[d.name] = `g${i}`; members[`g${i}`] = [d.name]; });
  return { groupOf, members };
}

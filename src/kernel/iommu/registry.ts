// One registry maps platform.iommu to its IommuOps (STYLE.md §1 "one registry").
import type { Platform } from '../platform.js';
import { amdOps } from './drivers/amd.js';
import { armSmmuOps } from './drivers/arm-smmu-v3.js';
import { intelOps } from './drivers/intel.js';
import type { IommuOps } from './ops.js';

const REGISTRY: Readonly<Record<Platform['iommu'], IommuOps>> = {
  'arm-smmu-v3': armSmmuOps,
  intel: intelOps,
  'intel-legacy': intelOps, // one driver, sm_supported() false (R5.14)
  amd: amdOps,
};

/** Core tests may substitute a vendor (drivers/mock.ts) per Platform object. */
const OVERRIDE = new WeakMap<Platform, IommuOps>();
export function setOpsOverride(p: Platform, ops: IommuOps): void {
  OVERRIDE.set(p, ops);
}

export function iommuOpsFor(p: Platform): IommuOps {
  return OVERRIDE.get(p) ?? REGISTRY[p.iommu];
}

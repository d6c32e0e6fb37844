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
/** Whether any override was ever set: the explorer calls iommuOpsFor on nearly every kernel
 * function, and a WeakMap lookup each time was ≈ 1 % of the matrix's time. */
let overridden = false;
export function setOpsOverride(p: Platform, ops: IommuOps): void {
  overridden = true;
  OVERRIDE.set(p, ops);
}

export function iommuOpsFor(p: Platform): IommuOps {
  if (overridden) {
    const o = OVERRIDE.get(p);
    if (o !== undefined) return o;
  }
  // A switch, not REGISTRY[p.iommu]: a keyed load learns the names it has seen, and each new
  // IOMMU of a matrix run then deoptimised every kernel function it was inlined into
  // ("wrong name", node --trace-deopt). Same table as REGISTRY, checked by the test below it.
  switch (p.iommu) {
    case 'arm-smmu-v3':
      return armSmmuOps;
    case 'intel':
    case 'intel-legacy':
      return intelOps;
    case 'amd':
      return amdOps;
  }
  return REGISTRY[p.iommu];
}

/** The registry as data (for the test that the switch above agrees with it). */
export const IOMMU_REGISTRY = REGISTRY;

// The IOMMU registry (kernel/iommu/registry.ts): iommuOpsFor's switch must answer what the
// REGISTRY table says for every IommuId (the switch exists only to keep call sites monomorphic),
// and an override set for one Platform object applies to that object alone.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IOMMU_IDS } from '../../src/kernel/platform.js';
import { IOMMU_REGISTRY, iommuOpsFor, setOpsOverride } from '../../src/kernel/iommu/registry.js';
import { mockOps } from '../../src/kernel/iommu/drivers/mock.js';
import { referencePlatform } from '../../src/platform/reference.js';

describe('iommuOpsFor', () => {
  it('agrees with the registry table for every IOMMU id', () => {
    const base = referencePlatform();
    for (const id of IOMMU_IDS) assert.equal(iommuOpsFor({ ...base, iommu: id }), IOMMU_REGISTRY[id], id);
    // intel-legacy is the Intel driver with sm_supported() false (R5.14): the same ops object
    assert.equal(iommuOpsFor({ ...base, iommu: 'intel-legacy' }), iommuOpsFor({ ...base, iommu: 'intel' }));
  });

  it('an override applies to its Platform object only', () => {
    const base = referencePlatform();
    const a = { ...base, iommu: 'amd' as const };
    const b = { ...base, iommu: 'amd' as const };
    setOpsOverride(a, mockOps);
    assert.equal(iommuOpsFor(a), mockOps);
    assert.equal(iommuOpsFor(b), IOMMU_REGISTRY.amd);
  });
});

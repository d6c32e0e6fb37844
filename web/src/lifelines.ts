// Which lifeline of the sequence diagram a kernel function belongs to, by the kernel's own
// naming: drivers/pci/ats.c and the PCI core (pci_*), the IOMMU core (drivers/iommu/iommu.c:
// iommu_*, __iommu_*), the vendor drivers (arm_smmu_*, intel_*, amd_*, and VT-d's
// domain_context_* / device_setup_pass_through / pdev_*), the driver core (drivers/base/dd.c:
// really_probe, __device_release_driver), VFIO (vfio_*), and userspace (the events).

export const LIFELINES = ['userspace', 'driver core', 'VFIO', 'IOMMU core', 'vendor driver', 'PCI core / ATS', 'device'] as const;
export type Lifeline = (typeof LIFELINES)[number];

const RULES: readonly [RegExp, Lifeline][] = [
  [/^userspace_/, 'userspace'],
  [/^(really_probe|__device_release_driver|device_|driver_)/, 'driver core'],
  [/^(vfio_|arm_vsmmu_)/, 'VFIO'],
  [/^(arm_smmu_|intel_|amd_|mock_|domain_context_|device_setup_pass_through|pdev_|blocked_domain_attach_device$|attach_device$)/, 'vendor driver'],
  [/^(__)?iommu_/, 'IOMMU core'],
  [/^pci_/, 'PCI core / ATS'],
];

/** The lifeline of a kernel function; a refused event's return line ('ret' rule) goes to userspace. */
export function lifelineOf(fn: string, rule?: string): Lifeline {
  if (rule === 'ret') return 'userspace';
  for (const [re, l] of RULES) if (re.test(fn)) return l;
  return 'IOMMU core';
}

/** True when a function name is classified by a rule (not by the fallback). */
export function isClassified(fn: string): boolean {
  return RULES.some(([re]) => re.test(fn));
}

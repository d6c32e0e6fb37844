// Types of bench/run-bench.mjs's export (test/platform/json-fast.test.ts loads its scenarios).
/** A scenario (plain JSON value) of n PCI functions: root ports, SR-IOV PFs, VFs; 2n events. */
export function scenario(n: number): { platform: { name: string; iommu: string; devices: Record<string, unknown>[] }; variant: string; events: string[] };

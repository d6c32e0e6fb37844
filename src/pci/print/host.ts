// What lspci knows of a function beyond its config space when it reads a live host through
// sysfs (pciutils 3.9.0 lib/sysfs.c: sysfs_get_resources, irq, numa_node, iommu_group, and
// ls-kernel.c find_driver): kernel resources (BAR addresses and sizes), the IRQ, the driver.

/** One line of sysfs `resource`: "0x<start> 0x<end> 0x<flags>" (end inclusive; all 0 when unused). */
export interface BarResource {
  readonly start: bigint;
  readonly end: bigint;
  readonly flags: bigint;
}

export interface HostInfo {
  /** `driver` symlink basename; printed through termSafe. */
  readonly driver: string | null;
  readonly iommuGroup: number | null;
  /** `irq` attribute (lspci prints it instead of the Interrupt Line byte). */
  readonly irq: number | null;
  /** `numa_node` attribute; -1 or null: not printed. */
  readonly numaNode: number | null;
  /** `resource` lines: 0-5 BARs, 6 the expansion ROM. null when unreadable. */
  readonly resources: readonly BarResource[] | null;
  /** sysfs `vpd` bytes (read only when a -vv listing shows a VPD capability); null: none. */
  readonly vpd?: Uint8Array | null;
}

/** lib/sysfs.c: base_addr = start | (flags & PCI_ADDR_FLAG_MASK), size = end - start + 1 when end > start. */
export function hostBar(h: HostInfo, i: number): { pos: bigint; len: bigint } | null {
  const r = h.resources?.[i];
  if (!r) return null;
  const len = r.end > r.start ? r.end - r.start + 1n : 0n;
  return { pos: r.start | (r.flags & 0xfn), len };
}

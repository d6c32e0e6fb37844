// D3–D11: where boot-dma-security parks a group until a driver binds, and the CC lock-off.
// Decided from static group facts (VERIFICATION "Semantics": "Parking (D4) is decided when a
// device is probed into a group that has no domain yet; later members join").
import type { DomainKind } from '../types.js';
import { ginfo, type Tx } from '../tx.js';
import { iommuOpsFor } from './registry.js';

export interface Park {
  readonly kind: DomainKind;
  readonly rule: string;
  /** Attach even to require_direct devices (R4.13 bypassed: D5 rmr=ignore, D11 lock-off). */
  readonly force: boolean;
}

/** The blocking domain the core uses (R4.15): the vendor's static BLOCKED domain, or (6.1
 * profile) an empty paging domain allocated by __iommu_group_alloc_blocking_domain. */
export function blockingKind(tx: Tx): DomainKind {
  return iommuOpsFor(tx.p).hasBlockedDomain(tx.prof) ? 'blocked' : 'empty-paging';
}

/** D11 (Jason, Feb 3 "lock off to failure"): in a CC guest a hypervisor-given require_direct
 * device's group is probed into BLOCKED and stays there. The device fact is asked first, the
 * variant flag last: a pure conjunction, so the order changes no result — but a part without a
 * require_direct device then never reads `ccVmLockOff`, and the matrix's part memo
 * (verify/part-memo.ts) shares its exploration between cells that differ only there. */
export function lockedOff(tx: Tx, name: string): boolean {
  return ginfo(tx, name).hasRequireDirect && tx.p.ccGuest && tx.v.ccVmLockOff;
}

/** D4 parking domain of `name`'s group, or null when the group is not parked. */
export function parkingDomain(tx: Tx, name: string): Park | null {
  if (lockedOff(tx, name)) return { kind: 'blocked', rule: 'D11', force: true };
  const v = tx.v;
  if (!v.bootDmaSecurity || v.park === null) return null;
  const g = ginfo(tx, name);
  // D4/D6 Nicolin, Feb 18: PCI bridges are not parked
  if (v.park === 'blocked-except-bridges' && g.hasBridge) return null;
  let force = false;
  if (g.hasRequireDirect) {
    if (v.rmr === 'keep-direct') return null; // D5 Jason, Feb 3: disabled for require_direct on bare metal
    if (v.rmr === 'blocking-domain') return { kind: 'rmr-blocking', rule: 'D5', force: false }; // Jason's "RMR blocking domain"
    force = true; // D5 rmr=ignore: "RMR has to be ignored in this more secure mode" (Jason, Feb 3)
  }
  switch (v.park) {
    case 'blocked':
    case 'blocked-except-bridges':
      return { kind: blockingKind(tx), rule: 'D4', force }; // Nicolin, Feb 3
    case 'empty-dma':
      return { kind: 'empty-dma', rule: 'D7b', force }; // Jason, Feb 19
    case 'empty-dma-no-ats':
      return { kind: 'empty-dma-no-ats', rule: 'D7b', force };
    case 'msi-only':
      return { kind: 'msi-only', rule: 'D8', force }; // Nicolin, Feb 20
  }
}

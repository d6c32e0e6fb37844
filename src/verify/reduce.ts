// Independence reduction: split a platform into clusters of devices that no event, guard
// or invariant couples, so that the reachable state space is the product of the clusters'
// spaces and each cluster can be explored alone (sum instead of product). Soundness
// argument: docs/verification.md "Independence". Coupling relations, each from the model's
// contract (VERIFICATION.md "Semantics"):
//   - parent:   probe(d) is enabled only after d's upstream port is present;
//   - physfn:   a VF appears only while its PF's driver is bound;
//   - group:    members share one domain (R3, pci_device_group), D10, no-silent-msi-loss;
//   - dmaAlias: aliases share a requester ID and therefore a group (R3.2/R3.4).
// Every invariant quantifies over single devices or over one group, so it is local to a
// cluster.

import type { Platform } from '../platform/types.js';
import { pciDeviceGroups } from '../kernel/iommu/groups.js';

export type Grouping = (p: Platform) => Readonly<Record<string, string>>;

const defaultGrouping: Grouping = (p) => pciDeviceGroups(p).groupOf;

/** Clusters of device names, each in platform order; clusters ordered by first device. */
export function clusters(p: Platform, grouping: Grouping = defaultGrouping): string[][] {
  const names = p.devices.map((d) => d.name);
  const up = new Map<string, string>(names.map((n) => [n, n]));
  const find = (n: string): string => {
    let r = n;
    while (up.get(r) !== r) r = up.get(r) as string;
    up.set(n, r);
    return r;
  };
  const union = (a: string, b: string | null | undefined): void => {
    if (b === null || b === undefined || !up.has(b)) return;
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) up.set(rb, ra);
  };
  for (const d of p.devices) {
    union(d.name, d.parent);
    union(d.name, d.physfn);
    union(d.name, d.dmaAliasOf);
  }
  const groupOf = grouping(p);
  const firstInGroup = new Map<string, string>();
  for (const n of names) {
    const g = groupOf[n];
    if (g === undefined) continue;
    const first = firstInGroup.get(g);
    if (first === undefined) firstInGroup.set(g, n);
    else union(first, n);
  }
  const byRoot = new Map<string, string[]>();
  for (const n of names) {
    const r = find(n);
    const list = byRoot.get(r);
    if (list === undefined) byRoot.set(r, [n]);
    else list.push(n);
  }
  return [...byRoot.values()];
}

/** The platform with only `names` (order kept: parents stay before children). */
export function restrict(p: Platform, names: readonly string[]): Platform {
  const keep = new Set(names);
  return { ...p, devices: p.devices.filter((d) => keep.has(d.name)) };
}

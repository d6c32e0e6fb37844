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

import type { DeviceDesc, Platform } from '../kernel/platform.js';
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
  // One devices array per (devices, names): the matrix restricts every cell's platform to the
  // same parts, and the model's static indices are kept by devices array (kernel/platform-index.ts).
  let byNames = RESTRICTED.get(p.devices);
  if (byNames === undefined) RESTRICTED.set(p.devices, (byNames = new Map()));
  const key = names.join('\u0000');
  let devices = byNames.get(key);
  if (devices === undefined) {
    const keep = new Set(names);
    byNames.set(key, (devices = p.devices.filter((d) => keep.has(d.name))));
  }
  return { ...p, devices };
}
const RESTRICTED = new WeakMap<readonly DeviceDesc[], Map<string, readonly DeviceDesc[]>>();

/** One exploration: a sub-platform, and devices of it that only get `probe` there (their
 * other behaviour is explored in a part of their own). */
export interface Part {
  readonly platform: Platform;
  readonly frozen: ReadonlySet<string>;
}

const NONE: ReadonlySet<string> = new Set();

/** Port splitting (docs/verification.md "Independence", level 2): a root port alone in its
 * IOMMU group, not a PF and not aliased, is coupled to its subtree only by "a device appears
 * after its upstream port" (root ports are never removed). Its own events are explored in a
 * part of its own; in the subtree's part it is only probed. */
export function splitPorts(p: Platform, cluster: readonly string[], grouping: Grouping = defaultGrouping): Part[] {
  const sub = restrict(p, cluster);
  const groupOf = grouping(sub);
  const members = new Map<string, number>();
  for (const n of cluster) {
    const g = groupOf[n];
    if (g !== undefined) members.set(g, (members.get(g) ?? 0) + 1);
  }
  const split = new Set<string>();
  for (const d of sub.devices) {
    if (d.parent !== null) continue;
    const g = groupOf[d.name];
    if (g === undefined || members.get(g) !== 1) continue;
    if (sub.devices.some((x) => x.physfn === d.name || x.dmaAliasOf === d.name) || d.dmaAliasOf !== undefined) continue;
    if (!sub.devices.some((x) => x.parent === d.name)) continue; // nothing to split from
    split.add(d.name);
  }
  if (split.size === 0) return [{ platform: sub, frozen: NONE }];
  return [...[...split].map((n) => ({ platform: restrict(p, [n]), frozen: NONE })), { platform: sub, frozen: split }];
}

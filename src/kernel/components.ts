// Independent parts of a platform for the verifier: devices linked by an upstream bridge, a
// PF/VF relation or an IOMMU group interact in the model; nothing else does (no state is
// global; the global default type is static). Exploring each part's sub-platform separately is
// exact for per-device and per-group invariants, and its shortest counterexample is the
// shortest overall. The reference platform splits into five parts of 2–3 devices, where the
// whole has millions of interleavings.
import type { Platform } from '../platform/types.js';
import { platIndex } from './platform-index.js';

/** Connected components (device names, platform order), ordered by their first device. */
export function platformComponents(p: Platform): string[][] {
  const ix = platIndex(p);
  const parent = ix.devs.map((d) => d.i);
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  };
  const union = (a: number, b: number): void => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  };
  for (const d of ix.devs) {
    if (d.parent !== null) union(d.i, d.parent);
    if (d.physfn !== null) union(d.i, d.physfn);
    const alias = d.desc.dmaAliasOf === undefined ? undefined : ix.byName.get(d.desc.dmaAliasOf);
    if (alias !== undefined) union(d.i, alias.i); // R3.2/R3.4 aliases share a requester ID
  }
  for (const g of ix.groups) for (const m of g.members) union(m, g.members[0]);
  const byRoot = new Map<number, string[]>();
  for (const d of ix.devs) {
    const r = find(d.i);
    const list = byRoot.get(r) ?? [];
    list.push(d.name);
    byRoot.set(r, list);
  }
  return [...byRoot.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]);
}

/** The platform restricted to `names` (which must be closed under the relations above). */
export function restrictPlatform(p: Platform, names: readonly string[]): Platform {
  const keep = new Set(names);
  return { ...p, name: `${p.name}[${names.join(',')}]`, devices: p.devices.filter((d) => keep.has(d.name)) };
}

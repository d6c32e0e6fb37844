// IOMMU / passthrough / CC guest / variant controls shared by Timeline and Topology.
import type { Loaded } from '../engine.js';
import { variantOf } from '../engine.js';
import { routeHref } from '../route.js';
import type { Route } from '../route.js';

export function CellPicker({ l, route }: { l: Loaded; route: Route }) {
  const go = (r: Route) => (location.hash = routeHref({ ...r, step: undefined }));
  let bad: string | null = null;
  try {
    variantOf(route.variant);
  } catch (e) {
    bad = e instanceof Error ? e.message : String(e);
  }
  return (
    <div class="filters">
      <label>
        IOMMU{' '}
        <select data-pick="iommu" value={route.iommu} onChange={(e) => go({ ...route, iommu: (e.target as HTMLSelectElement).value as Route['iommu'] })}>
          {['arm-smmu-v3', 'intel', 'intel-legacy', 'amd'].map((i) => (
            <option value={i}>{i}</option>
          ))}
        </select>
      </label>
      <label>
        <input type="checkbox" data-pick="pt" checked={route.passthrough} onChange={(e) => go({ ...route, passthrough: (e.target as HTMLInputElement).checked })} /> passthrough
      </label>
      <label>
        <input type="checkbox" data-pick="cc" checked={route.ccGuest} onChange={(e) => go({ ...route, ccGuest: (e.target as HTMLInputElement).checked })} /> CC guest
      </label>
      <label>
        variant{' '}
        <input data-pick="variant" list="dmagate-variants" size={48} value={route.variant} onChange={(e) => go({ ...route, variant: (e.target as HTMLInputElement).value.trim() || 'mainline' })} />
        <datalist id="dmagate-variants">
          {l.combos.map((c) => (
            <option value={c.variantText} />
          ))}
        </datalist>
      </label>
      {bad !== null && <span class="error">{bad}</span>}
    </div>
  );
}

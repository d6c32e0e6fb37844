// Hash routes: #/matrix?inv=…&verdict=…&q=…, #/cell?iommu=…&variant=…&pt=0|1&cc=0|1&inv=…,
// #/topology?step=N, #/timeline?step=N, #/host.
import type { IommuId } from '../../src/kernel/platform.js';
import type { Loaded } from './engine.js';

export interface Route {
  readonly view: 'matrix' | 'cell' | 'topology' | 'timeline' | 'host';
  readonly iommu: IommuId;
  readonly variant: string;
  readonly passthrough: boolean;
  readonly ccGuest: boolean;
  readonly inv?: string;
  readonly verdict?: string;
  readonly q?: string;
  readonly step?: number;
}

const VIEWS = ['matrix', 'cell', 'topology', 'timeline', 'host'] as const;

export function parseRoute(hash: string, l: Loaded): Route {
  const m = /^#\/([a-z]+)(?:\?(.*))?$/.exec(hash);
  const start = l.payload.start;
  const first = l.cells[0];
  const dflt: Route =
    start.kind === 'cell'
      ? { view: 'cell', iommu: start.iommu, variant: start.variant, passthrough: start.passthrough, ccGuest: start.ccGuest }
      : // the scenario's own cell: its IOMMU, variant, passthrough and CC guest (the Timeline runs its events there)
        { view: 'matrix', iommu: l.platform.iommu, variant: l.payload.scenario.variantText || (first?.variant ?? 'mainline'), passthrough: l.platform.cmdline.passthrough ?? false, ccGuest: l.platform.ccGuest };
  if (!m || !(VIEWS as readonly string[]).includes(m[1])) return dflt;
  const q = new URLSearchParams(m[2] ?? '');
  const iommu = (q.get('iommu') as IommuId | null) ?? dflt.iommu;
  const step = q.get('step');
  return {
    view: m[1] as Route['view'],
    iommu,
    variant: q.get('variant') ?? dflt.variant,
    passthrough: q.has('pt') ? q.get('pt') === '1' : dflt.passthrough,
    ccGuest: q.has('cc') ? q.get('cc') === '1' : dflt.ccGuest,
    ...(q.get('inv') ? { inv: q.get('inv')! } : {}),
    ...(q.get('verdict') ? { verdict: q.get('verdict')! } : {}),
    ...(q.get('q') ? { q: q.get('q')! } : {}),
    ...(step !== null && /^\d+$/.test(step) ? { step: Number(step) } : {}),
  };
}

export function routeHref(r: Route): string {
  const q = new URLSearchParams();
  if (r.view === 'cell' || r.view === 'topology' || r.view === 'timeline') {
    q.set('iommu', r.iommu);
    q.set('variant', r.variant);
    q.set('pt', r.passthrough ? '1' : '0');
    q.set('cc', r.ccGuest ? '1' : '0');
  }
  if (r.inv !== undefined && (r.view === 'cell' || r.view === 'matrix')) q.set('inv', r.inv);
  if (r.verdict !== undefined && r.view === 'matrix') q.set('verdict', r.verdict);
  if (r.q !== undefined && r.view === 'matrix') q.set('q', r.q);
  if (r.step !== undefined && (r.view === 'topology' || r.view === 'timeline')) q.set('step', String(r.step));
  const s = q.toString();
  return `#/${r.view}${s ? `?${s}` : ''}`;
}

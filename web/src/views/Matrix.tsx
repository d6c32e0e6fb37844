// Matrix: variant combinations (rows) × IOMMU × passthrough (columns), 200 cells by default,
// each coloured and labelled by its violated invariants (S/F/A = sec/fun/adv counts), or by
// one invariant's verdict when filtered to it. Filters: invariant, verdict, variant text.
import { useEffect, useReducer } from 'preact/hooks';
import type { CellSpec, Loaded } from '../engine.js';
import { INVARIANTS, cellKey } from '../engine.js';
import type { MatrixStore } from '../store.js';
import { counts, cellLook, verdictLook } from '../verdict.js';
import type { Counts } from '../verdict.js';
import { routeHref } from '../route.js';
import type { Route } from '../route.js';
import { invariantDoc, variantDoc } from '../links.js';

const VERDICTS = ['violated', 'holds', 'n/a', 'inconclusive'] as const;

function setHash(r: Route): void {
  location.hash = routeHref(r);
}

export function MatrixView({ l, store, route }: { l: Loaded; store: MatrixStore; route: Route }) {
  const [, tick] = useReducer((x: number) => x + 1, 0);
  useEffect(() => {
    const off = store.subscribe(() => tick(0));
    store.start();
    if (window.__dmagate?.firstGridMs === undefined) window.__dmagate = { ...window.__dmagate, firstGridMs: performance.now() };
    return off;
  }, []);
  const cols: { iommu: CellSpec['iommu']; pt: boolean }[] = [];
  for (const iommu of l.payload.iommus) for (const pt of [false, true]) cols.push({ iommu, pt });
  const q = (route.q ?? '').toLowerCase();
  const rows = l.combos.filter((c) => q === '' || `${c.ccGuest ? '[cc-guest] ' : ''}${c.variantText}`.toLowerCase().includes(q));
  const total: Counts = { holds: 0, violated: 0, 'n/a': 0, inconclusive: 0 };
  for (const c of store.cells.values()) {
    const k = counts(c, route.inv);
    for (const v of VERDICTS) total[v] += k[v];
  }
  const pending = l.cells.length - store.done;
  return (
    <section class="matrix">
      <div class="filters">
        <label>
          invariant{' '}
          <select data-filter="inv" value={route.inv ?? ''} onChange={(e) => setHash({ ...route, inv: (e.target as HTMLSelectElement).value || undefined })}>
            <option value="">all (colour by violated family)</option>
            {INVARIANTS.map((i) => (
              <option value={i.id}>{i.id}</option>
            ))}
          </select>
        </label>
        {route.inv !== undefined && (
          <a href={invariantDoc(l, route.inv)} class="doc" title={INVARIANTS.find((i) => i.id === route.inv)?.statement}>
            docs
          </a>
        )}
        <label>
          verdict{' '}
          <select data-filter="verdict" value={route.verdict ?? ''} onChange={(e) => setHash({ ...route, verdict: (e.target as HTMLSelectElement).value || undefined })}>
            <option value="">any</option>
            {VERDICTS.map((v) => (
              <option value={v}>{v}</option>
            ))}
          </select>
        </label>
        <label>
          variant{' '}
          <input data-filter="q" type="search" placeholder="e.g. park=blocked" value={route.q ?? ''} onChange={(e) => setHash({ ...route, q: (e.target as HTMLInputElement).value || undefined })} />
        </label>
      </div>
      <p class="summary" data-testid="matrix-summary">
        {l.cells.length} cells × {INVARIANTS.length} invariants{route.inv ? ` (showing ${route.inv})` : ''}:{' '}
        {VERDICTS.map((v) => (
          <span class="count" data-verdict={v}>
            {v} <b data-count={v}>{total[v]}</b>{' '}
          </span>
        ))}
        {pending > 0 ? <span class="progress">· computing in this browser: {store.done}/{l.cells.length}</span> : <span class="progress" data-testid="matrix-done">· computed in this browser in {Math.round(store.ms ?? 0)} ms</span>}
      </p>
      <table class="grid">
        <thead>
          <tr>
            <th rowSpan={2}>
              variant (<a href={variantDoc(l)}>docs</a>)
            </th>
            {l.payload.iommus.map((i) => (
              <th colSpan={2}>{i}</th>
            ))}
          </tr>
          <tr>
            {cols.map((c) => (
              <th class="pt">{c.pt ? 'passthrough' : 'translated'}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((combo) => (
            <tr>
              <th class="variant">
                {combo.ccGuest && <span class="tag">cc-guest</span>} {combo.variantText}
              </th>
              {cols.map((col) => {
                const spec: CellSpec = { iommu: col.iommu, passthrough: col.pt, ccGuest: combo.ccGuest, variant: combo.variantText };
                const cell = store.cells.get(cellKey(spec));
                const href = routeHref({ ...route, view: 'cell', iommu: spec.iommu, variant: spec.variant, passthrough: spec.passthrough, ccGuest: spec.ccGuest });
                const common = { 'data-iommu': spec.iommu, 'data-variant': spec.variant, 'data-pt': col.pt ? '1' : '0', 'data-cc': combo.ccGuest ? '1' : '0' };
                if (cell === undefined) {
                  return (
                    <td class="cell pending" {...common}>
                      <a href={href}>…</a>
                    </td>
                  );
                }
                const k = counts(cell);
                let look = cellLook(cell);
                if (route.inv !== undefined) {
                  const r = cell.results[route.inv];
                  look = r === undefined ? { cls: 'v-na', label: '—' } : verdictLook(r.verdict, r.vacuous);
                  if (look.label === 'holds (vacuously)') look = { ...look, label: 'vac' };
                  if (look.label === 'VIOLATED') look = { ...look, label: 'VIOL' };
                }
                const dim = route.verdict !== undefined && counts(cell, route.inv)[route.verdict as keyof Counts] === 0;
                const title = `${spec.iommu}, ${spec.passthrough ? 'passthrough' : 'translated'}${spec.ccGuest ? ', CC guest' : ''}, ${spec.variant}: ${k.violated} violated, ${k.holds} hold, ${k['n/a']} n/a${k.inconclusive ? `, ${k.inconclusive} inconclusive` : ''}`;
                return (
                  <td class={`cell ${look.cls}${dim ? ' dim' : ''}`} {...common} data-counts={`holds=${k.holds} violated=${k.violated} n/a=${k['n/a']} inconclusive=${k.inconclusive}`} title={title}>
                    <a href={href} aria-label={title}>
                      {look.label}
                    </a>
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      <p class="legend">
        Label: violated invariants by family — S security, F functional, A advisory; shade: how many (<span class="cell v-n1">1–2</span>
        <span class="cell v-n2">3–4</span> <span class="cell v-n3">5–6</span> <span class="cell v-n4">7+</span>), <span class="cell v-ok">ok</span> none,{' '}
        <span class="cell v-inc">?</span> a bound was hit. With an invariant chosen: <span class="cell v-sec">VIOL</span> <span class="cell v-ok">holds</span>{' '}
        <span class="cell v-vac">vac</span> (vacuously) <span class="cell v-na">n/a</span>. Click a cell for its counterexamples.
      </p>
    </section>
  );
}

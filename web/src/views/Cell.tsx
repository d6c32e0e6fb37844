// Cell: every invariant's verdict on one (IOMMU, passthrough, CC guest, variant), with the
// explanation citing the thread message and the invariant's source; a violated one opens as a
// sequence diagram, with the same trail (event list) and JSON as `dmagate verify --json`.
import type { Loaded } from '../engine.js';
import { INVARIANTS, explain, formatEvent, jsonResultOf, replayTrace, variantOf } from '../engine.js';
import type { MatrixStore } from '../store.js';
import { routeHref } from '../route.js';
import type { Route } from '../route.js';
import { verdictLook } from '../verdict.js';
import { eventDoc, invariantDoc, variantDoc } from '../links.js';
import { SequenceDiagram } from './Sequence.js';

export function CellView({ l, store, route }: { l: Loaded; store: MatrixStore; route: Route }) {
  const spec = { iommu: route.iommu, passthrough: route.passthrough, ccGuest: route.ccGuest, variant: route.variant };
  let cell;
  let variant;
  try {
    variant = variantOf(spec.variant);
    cell = store.get(spec);
  } catch (e) {
    return <p class="error">{e instanceof Error ? e.message : String(e)}</p>;
  }
  const violated = Object.entries(cell.results).filter(([, r]) => r.verdict === 'violated');
  const open = route.inv !== undefined && cell.results[route.inv]?.verdict === 'violated' ? route.inv : violated[0]?.[0];
  const openR = open === undefined ? undefined : cell.results[open];
  const steps = openR?.trace ? replayTrace(l, spec, openR.trace) : [];
  const s = cell.stats;
  return (
    <section class="cellview" data-iommu={spec.iommu} data-variant={spec.variant} data-pt={spec.passthrough ? '1' : '0'} data-cc={spec.ccGuest ? '1' : '0'}>
      <h2>
        {spec.iommu}, {spec.passthrough ? 'passthrough' : 'translated'}
        {spec.ccGuest ? ', CC guest' : ''}, variant{' '}
        <a href={variantDoc(l)} class="variant-link">
          {variant.id}
        </a>
      </h2>
      <p class="stats">
        explored {s.states} states, {s.transitions} transitions, depth {s.depth}, in {Math.round(s.ms)} ms in this browser ({s.clusters} independent parts). Same cell on the command line:{' '}
        <code>
          dmagate verify --iommu {spec.iommu}
          {spec.passthrough ? ' --passthrough' : ''}
          {spec.ccGuest ? ' --cc-guest' : ''} --variant {variant.id} --json
        </code>
      </p>
      <table class="verdicts">
        <thead>
          <tr>
            <th>invariant</th>
            <th>verdict</th>
            <th>why (thread message)</th>
            <th>source</th>
          </tr>
        </thead>
        <tbody>
          {INVARIANTS.map((inv) => {
            const r = cell.results[inv.id];
            if (r === undefined) return null;
            const look = verdictLook(r.verdict, r.vacuous);
            const why = r.verdict === 'violated' ? (explain(inv.id, { ...spec, variant }, r.trace, r.device) ?? r.detail ?? '') : (r.why ?? '');
            return (
              <tr data-invariant={inv.id} data-verdict={r.verdict} class={inv.id === open ? 'open' : ''}>
                <td>
                  <a href={invariantDoc(l, inv.id)} title={inv.statement}>
                    {inv.id}
                  </a>
                </td>
                <td>
                  {r.verdict === 'violated' ? (
                    <a class={`badge ${look.cls}`} href={routeHref({ ...route, inv: inv.id })}>
                      {look.label}
                    </a>
                  ) : (
                    <span class={`badge ${look.cls}`}>{look.label}</span>
                  )}
                </td>
                <td>{why}</td>
                <td class="src">{inv.source}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {open !== undefined && openR !== undefined ? (
        <div class="counterexample" data-testid="counterexample" data-invariant={open}>
          <h3>
            <a href={invariantDoc(l, open)}>{open}</a> violated: {openR.detail}
          </h3>
          <p>
            trail (as <code>verify --json</code>):{' '}
          </p>
          <ol class="trail" data-testid="trail">
            {(openR.trace ?? []).map((e, i) => (
              <li>
                <span class="n">{i + 1}.</span>
                <a href={eventDoc(l)}>{formatEvent(e)}</a>
              </li>
            ))}
          </ol>
          <SequenceDiagram key={`${open}|${steps.length}`} steps={steps} title={`${open} on ${spec.iommu}`} />
          <details>
            <summary>JSON of this result (the `results` entry of verify --json)</summary>
            <pre data-testid="result-json">{JSON.stringify({ [open]: jsonResultOf(l, cell, open) }, null, 2)}</pre>
          </details>
        </div>
      ) : (
        <p class="none" data-testid="no-violation">
          No invariant is violated in this cell.
        </p>
      )}
    </section>
  );
}

// Timeline: a scenario's events step by step. The event list is editable (one per line) and
// re-run here through the model; per device its state after each step (a table coloured by
// what its untranslated DMA can reach), and the kernel calls of the selected step.
import { useReducer } from 'preact/hooks';
import type { Loaded, TimelineRun } from '../engine.js';
import { runTimeline } from '../engine.js';
import type { KReturn, Observation } from '../engine.js';
import { routeHref } from '../route.js';
import type { Route } from '../route.js';
import { eventDoc, variantDoc } from '../links.js';
import { CellPicker } from './CellPicker.js';

const retText = (r: KReturn): string => (r.ok ? 'ok' : `-${r.errno} (${r.why})`);

/** When a scenario has no events (the reference platform), the page starts with D10's. */
export const EXAMPLE_EVENTS = ['probe(rp-legacy)', 'bind(rp-legacy)', 'probe(fpga)', 'vfio-bind(fpga)', 'vfio-attach(fpga)'];

export class TimelineStore {
  text: string;
  readonly example: boolean;
  private memo = new Map<string, TimelineRun>();
  constructor(private readonly l: Loaded) {
    const ev = l.payload.scenario.events;
    const names = new Set(l.platform.devices.map((d) => d.name));
    this.example = ev.length === 0 && EXAMPLE_EVENTS.every((e) => names.has(/\(([^,)]+)/.exec(e)![1]));
    this.text = (this.example ? EXAMPLE_EVENTS : ev).join('\n') + '\n';
  }
  run(r: Route): TimelineRun {
    const k = `${r.iommu}|${r.variant}|${r.passthrough}|${r.ccGuest}|${this.text}`;
    let hit = this.memo.get(k);
    if (hit === undefined) {
      hit = runTimeline(this.l, { iommu: r.iommu, variant: r.variant, passthrough: r.passthrough, ccGuest: r.ccGuest }, this.text);
      this.memo.set(k, hit);
    }
    return hit;
  }
}

/** Observation at step n (0 = boot). */
export function obsAt(t: TimelineRun, n: number): Observation {
  return n <= 0 ? t.boot : t.steps[Math.min(n, t.steps.length) - 1].obs;
}

export function stepOf(t: TimelineRun, r: Route): number {
  return r.step === undefined ? t.steps.length : Math.max(0, Math.min(r.step, t.steps.length));
}

export function StepSlider({ t, route }: { t: TimelineRun; route: Route }) {
  const n = stepOf(t, route);
  return (
    <label class="stepper">
      step{' '}
      <input type="range" min={0} max={t.steps.length} value={n} data-testid="step" onInput={(e) => (location.hash = routeHref({ ...route, step: Number((e.target as HTMLInputElement).value) }))} /> {n}/{t.steps.length}{' '}
      {n === 0 ? '(boot)' : <b>{t.steps[n - 1].event}</b>}
    </label>
  );
}

function stateText(o: Observation['devices'][string]): string {
  if (!o.present) return '—';
  const bits = [o.domain, o.atsEnabled ? 'ATS' : 'no-ATS'];
  if (o.driver) bits.push(o.driver);
  if (o.msi !== 'n/a') bits.push(`MSI ${o.msi}`);
  if (o.pasidsAttached > 0) bits.push(`PASID×${o.pasidsAttached}`);
  return bits.join(' · ');
}

export function TimelineView({ l, timeline, route }: { l: Loaded; timeline: TimelineStore; route: Route }) {
  const [, tick] = useReducer((x: number) => x + 1, 0);
  let t: TimelineRun;
  try {
    t = timeline.run(route);
  } catch (e) {
    return (
      <section class="timeline">
        <CellPicker l={l} route={route} />
        <p class="error">{e instanceof Error ? e.message : String(e)}</p>
      </section>
    );
  }
  const n = stepOf(t, route);
  const devs = t.platform.devices.map((d) => d.name);
  let draft = timeline.text;
  return (
    <section class="timeline">
      <CellPicker l={l} route={route} />
      <div class="tl-cols">
        <div class="tl-edit">
          <h3>
            events (<a href={eventDoc(l)}>docs</a>)
          </h3>
          {timeline.example && <p class="note">The scenario has no events; this is D10's example (VFIO claims fpga while pcieport holds MSI).</p>}
          <textarea data-testid="events" rows={12} spellcheck={false} onInput={(e) => (draft = (e.target as HTMLTextAreaElement).value)}>
            {timeline.text}
          </textarea>
          <button
            data-testid="rerun"
            onClick={() => {
              timeline.text = draft;
              location.hash = routeHref({ ...route, step: undefined });
              tick(0);
            }}
          >
            Re-run in the browser
          </button>
          {t.errors.length > 0 && (
            <ul class="error" data-testid="event-errors">
              {t.errors.map((e) => (
                <li>{e}</li>
              ))}
            </ul>
          )}
          <p>
            variant <a href={variantDoc(l)}>{route.variant}</a>
          </p>
        </div>
        <div class="tl-table">
          <StepSlider t={t} route={route} />
          <table class="states" data-testid="state-table">
            <thead>
              <tr>
                <th>device</th>
                <th class={n === 0 ? 'sel' : ''}>boot</th>
                {t.steps.map((s, i) => (
                  <th class={n === i + 1 ? 'sel' : ''}>
                    <a href={routeHref({ ...route, step: i + 1 })}>
                      {i + 1}. {s.event}
                    </a>
                    {!s.ret.ok && <span class="errno"> {retText(s.ret)}</span>}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {devs.map((d) => (
                <tr data-device={d}>
                  <th>{d}</th>
                  {[t.boot, ...t.steps.map((s) => s.obs)].map((o, i) => {
                    const x = o.devices[d];
                    return (
                      <td class={`reach-${x.present ? x.untranslated : 'absent'}${x.msi === 'lost' || x.msi === 'failed' ? ' msi-bad' : ''}${n === i ? ' sel' : ''}`} title={`reach: ${x.untranslated}; Translated ${x.translatedAccepted ? 'accepted' : 'rejected'}`}>
                        {stateText(x)}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
          <p class="legend">
            Shade: what untranslated DMA can reach (none → all); <span class="msi-bad">red text</span>: MSI lost or failed.
          </p>
          {n > 0 && (
            <div class="calls" data-testid="calls">
              <h3>
                kernel calls of step {n}: {t.steps[n - 1].event} → {retText(t.steps[n - 1].ret)}
              </h3>
              <ol>
                {t.steps[n - 1].trace.map((c) => (
                  <li>
                    <code>{c.fn}</code>
                    {c.dev ? `(${c.dev})` : ''} {c.rule ? <span class="rule">[{c.rule}]</span> : null} {c.detail}
                  </li>
                ))}
              </ol>
            </div>
          )}
        </div>
      </div>
    </section>
  );
}

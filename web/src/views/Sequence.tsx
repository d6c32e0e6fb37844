// A counterexample as a sequence diagram: lifelines userspace, driver core, VFIO, IOMMU core,
// vendor driver, PCI core / ATS and the device; per step the event arrow from userspace, one
// arrow per kernel function the model called (TraceEntry, in call order), a return arrow when
// the event was refused, and the step's state changes as notes on the device lifeline.
// A scrubber walks the steps; later steps are faded.
import { useState } from 'preact/hooks';
import type { ReplayedStep } from '../engine.js';
import { formatEvent } from '../engine.js';
import { LIFELINES, lifelineOf } from '../lifelines.js';
import type { Lifeline } from '../lifelines.js';

const COL = 150;
const X0 = 80;
const ROW = 20;
const x = (l: Lifeline): number => X0 + LIFELINES.indexOf(l) * COL;
const clip = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

interface Row {
  step: number;
  kind: 'event' | 'call' | 'ret' | 'note';
  from: Lifeline;
  to: Lifeline;
  text: string;
  full: string;
}

function rows(steps: readonly ReplayedStep[]): Row[] {
  const out: Row[] = [];
  steps.forEach((s, i) => {
    const ev = formatEvent(s.event);
    let at: Lifeline = 'userspace';
    const first = s.trace.find((t) => t.rule !== 'ret');
    out.push({ step: i, kind: 'event', from: 'userspace', to: first ? lifelineOf(first.fn, first.rule) : 'driver core', text: `${i + 1}. ${ev}`, full: ev });
    at = first ? lifelineOf(first.fn, first.rule) : 'driver core';
    for (const t of s.trace) {
      if (t.rule === 'ret') continue;
      const to = lifelineOf(t.fn, t.rule);
      const full = `${t.fn}(${t.dev ?? ''})${t.rule ? ` [${t.rule}]` : ''}: ${t.detail}`;
      out.push({ step: i, kind: 'call', from: at === to ? to : at, to, text: clip(`${t.fn}${t.dev ? `(${t.dev})` : ''}`, 44), full });
      at = to;
    }
    if (!s.ret.ok) out.push({ step: i, kind: 'ret', from: at, to: 'userspace', text: `-${s.ret.errno}`, full: `-${s.ret.errno}: ${s.ret.why}` });
    for (const c of s.changes) out.push({ step: i, kind: 'note', from: 'device', to: 'device', text: clip(`${c.dev}: ${c.changes.join(', ')}`, 60), full: `${c.dev}: ${c.changes.join(', ')}` });
  });
  return out;
}

export function SequenceDiagram({ steps, title }: { steps: readonly ReplayedStep[]; title: string }) {
  const [at, setAt] = useState(steps.length);
  const rs = rows(steps);
  const H = 50 + rs.length * ROW + 20;
  const W = X0 + (LIFELINES.length - 1) * COL + 250;
  const cur = steps[Math.max(0, Math.min(at, steps.length) - 1)];
  return (
    <div class="sequence" data-testid="sequence">
      <div class="scrub">
        <label>
          step{' '}
          <input type="range" min={1} max={steps.length} value={at} data-testid="scrubber" onInput={(e) => setAt(Number((e.target as HTMLInputElement).value))} /> {Math.min(at, steps.length)}/{steps.length}
        </label>
        {cur !== undefined && (
          <span class="scrub-step">
            {formatEvent(cur.event)} → {cur.ret.ok ? 'ok' : `-${cur.ret.errno}`}
            {cur.changes.map((c) => ` · ${c.dev}: ${c.changes.join(', ')}`).join('')}
          </span>
        )}
      </div>
      <svg width={W} height={H} viewBox={`0 0 ${W} ${H}`} role="img" aria-label={title}>
        <defs>
          <marker id="arr" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M0,0 L10,5 L0,10 z" fill="currentColor" />
          </marker>
        </defs>
        {LIFELINES.map((l) => (
          <g class="lifeline">
            <rect x={x(l) - 62} y={4} width={124} height={26} rx={4} />
            <text x={x(l)} y={22} text-anchor="middle">
              {l}
            </text>
            <line x1={x(l)} y1={30} x2={x(l)} y2={H - 4} />
          </g>
        ))}
        {rs.map((r, i) => {
          const y = 50 + i * ROW;
          const cls = `row ${r.kind}${r.step + 1 > at ? ' later' : ''}${r.step + 1 === at ? ' current' : ''}`;
          if (r.kind === 'note') {
            return (
              <g class={cls} data-step={r.step + 1}>
                <title>{r.full}</title>
                <rect x={x('device') - 70} y={y - 13} width={Math.min(400, 10 + r.text.length * 6.6)} height={17} rx={3} />
                <text x={x('device') - 64} y={y}>
                  {r.text}
                </text>
              </g>
            );
          }
          const x1 = x(r.from);
          const x2 = x(r.to);
          const self = x1 === x2;
          return (
            <g class={cls} data-step={r.step + 1}>
              <title>{r.full}</title>
              {self ? (
                <path d={`M${x1},${y - 4} h24 v8 h-22`} fill="none" marker-end="url(#arr)" />
              ) : (
                <line x1={x1} y1={y} x2={x2 + (x2 > x1 ? -2 : 2)} y2={y} marker-end="url(#arr)" stroke-dasharray={r.kind === 'ret' ? '4 3' : undefined} />
              )}
              <text x={self ? x1 + 28 : Math.min(x1, x2) + 6} y={y - 4}>
                {r.text}
              </text>
            </g>
          );
        })}
      </svg>
    </div>
  );
}

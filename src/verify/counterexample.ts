// A counterexample replayed through the model: per step, the kernel's return and the change
// of each device's domain, ATS Enable, Translated acceptance and MSI state. Rendered as
// text or as a Mermaid sequenceDiagram.

import type { DeviceObs, KEvent, KReturn, KernelModel, Observation } from '../kernel/types.js';
import { formatEvent } from '../kernel/types.js';
import type { Variant } from '../kernel/variants.js';
import type { Platform } from '../kernel/platform.js';

export interface DevChange {
  readonly dev: string;
  readonly changes: readonly string[]; // "domain none→identity", "ATS off→on", ...
}

export interface ReplayStep {
  readonly event: KEvent;
  readonly ret: KReturn;
  readonly changes: readonly DevChange[];
}

const onOff = (b: boolean) => (b ? 'on' : 'off');

function diff(a: DeviceObs | undefined, b: DeviceObs): string[] {
  const out: string[] = [];
  const was = (f: (d: DeviceObs) => string): string => (a === undefined ? '-' : f(a));
  const fields: [string, (d: DeviceObs) => string][] = [
    ['present', (d) => onOff(d.present)],
    ['domain', (d) => d.domain],
    ['ATS', (d) => onOff(d.atsEnabled)],
    ['Translated', (d) => (d.translatedAccepted ? 'accepted' : 'rejected')],
    ['MSI', (d) => d.msi],
  ];
  for (const [name, f] of fields) {
    const x = was(f);
    const y = f(b);
    if (x !== y) out.push(`${name} ${x}→${y}`);
  }
  return out;
}

export function replay<S>(model: KernelModel<S>, p: Platform, v: Variant, events: readonly KEvent[]): { steps: ReplayStep[]; final: Observation } {
  let s = model.init(p, v);
  let before = model.observe(p, v, s);
  const steps: ReplayStep[] = [];
  for (const e of events) {
    const r = model.step(p, v, s, e);
    s = r.state;
    const after = model.observe(p, v, s);
    const changes: DevChange[] = [];
    for (const name of Object.keys(after.devices)) {
      const c = diff(before.devices[name], after.devices[name]);
      if (c.length > 0 && (after.devices[name].present || before.devices[name]?.present)) changes.push({ dev: name, changes: c });
    }
    steps.push({ event: e, ret: r.ret, changes });
    before = after;
  }
  return { steps, final: before };
}

export function retText(r: KReturn): string {
  return r.ok ? 'ok' : `-${r.errno} (${r.why})`;
}

/** Numbered lines, each: event, return, then one indented line per changed device. */
export function traceText(steps: readonly ReplayStep[], indent = '    '): string[] {
  const lines: string[] = [];
  const w = Math.max(0, ...steps.map((s) => formatEvent(s.event).length));
  steps.forEach((s, i) => {
    lines.push(`${indent}${String(i + 1).padStart(2)}. ${formatEvent(s.event).padEnd(w)}  → ${retText(s.ret)}`);
    for (const c of s.changes) lines.push(`${indent}      ${c.dev}: ${c.changes.join(', ')}`);
  });
  return lines;
}

const mid = (name: string) => `d_${name.replace(/[^A-Za-z0-9]/g, '_')}`;
const mtext = (t: string) => t.replace(/[;#]/g, ' ');

/** A Mermaid sequenceDiagram: userspace/kernel events, per-device changes as notes. */
export function mermaid(title: string, steps: readonly ReplayStep[], violation?: { invariant: string; detail?: string }): string {
  const devs: string[] = [];
  for (const s of steps) {
    if (!devs.includes(s.event.dev)) devs.push(s.event.dev);
    for (const c of s.changes) if (!devs.includes(c.dev)) devs.push(c.dev);
  }
  const out = ['sequenceDiagram', `  title ${mtext(title)}`, '  participant U as userspace / hot-plug', '  participant K as kernel'];
  for (const d of devs) out.push(`  participant ${mid(d)} as ${d}`);
  for (const s of steps) {
    out.push(`  U->>K: ${mtext(formatEvent(s.event))}`);
    for (const c of s.changes) out.push(`  K-->>${mid(c.dev)}: ${mtext(c.changes.join(', '))}`);
    if (!s.ret.ok) out.push(`  K--xU: -${s.ret.errno}`);
  }
  if (violation !== undefined && steps.length > 0) {
    const last = steps[steps.length - 1];
    const at = last.changes[0]?.dev ?? last.event.dev;
    out.push(`  Note over ${mid(at)}: ${mtext(`${violation.invariant} violated${violation.detail ? `: ${violation.detail}` : ''}`)}`);
  }
  return out.join('\n') + '\n';
}

export interface MermaidViolation {
  readonly id: string;
  /** Matrix column code (S1, F2, …). */
  readonly code: string;
  /** The one-line explanation (citing the thread), as the text output prints it. */
  readonly explanation: string;
  readonly steps: readonly ReplayStep[];
  readonly detail?: string;
}

/** `verify --format mermaid`: one shape whatever the number of violations — a Markdown
 * document (GitHub, GitLab and `mmdc -i` render its fenced blocks): a title line, then per
 * violated invariant a heading, its explanation and one fenced sequenceDiagram; with none,
 * the title and a line saying so. */
export function mermaidDocument(title: string, violations: readonly MermaidViolation[]): string {
  const out = [`# ${mdText(title)}`, ''];
  if (violations.length === 0) out.push('No invariant is violated: nothing to draw.', '');
  else out.push(`${violations.length} violated invariant${violations.length === 1 ? '' : 's'}.`, '');
  for (const v of violations) {
    out.push(`## ${v.code ? `${v.code} ` : ''}${v.id}`, '');
    if (v.explanation) out.push(mdText(v.explanation), '');
    out.push('```mermaid', mermaid(`${v.id} violated`, v.steps, { invariant: v.id, detail: v.detail }).trimEnd(), '```', '');
  }
  return out.join('\n');
}

/** One line of Markdown text: control characters and line breaks become spaces. */
// eslint-disable-next-line no-control-regex
const mdText = (t: string): string => t.replace(/[\u0000-\u001f\u007f]/g, ' ');

// Text renderings of the agent's results (explain, list, plan, simulate). Every string that
// comes from a machine or a file goes through termSafe before it reaches a terminal.
import { termSafe } from '../util/term.js';
import { formatEvent } from '../kernel/types.js';
import { hex4, hex6, type AgentDevice } from './device.js';
import type { Decision } from './decide.js';
import type { DeviceResult } from './engine.js';
import type { Plan } from './plan.js';
import type { Evaluation } from './rules/evaluate.js';
import { decidedByText } from './rules/evaluate.js';
import type { SimResult } from './simulate.js';

const t = termSafe;

export function deviceLine(d: AgentDevice): string {
  return `${d.bdf}${d.name !== null ? ` (${t(d.name)})` : ''} ${hex4(d.vendor) ?? '????'}:${hex4(d.device) ?? '????'} class ${hex6(d.classCode) ?? '??????'}${d.isBridge ? ' bridge' : ''}`;
}

export function explainText(d: AgentDevice, ev: Evaluation): string[] {
  const out = [`${deviceLine(d)}`, `  hash ${d.hash ?? 'unavailable (config space not readable in full)'}`];
  for (const r of ev.trace) {
    const where = `${t(r.rule.pos.file)}:${r.rule.pos.line}`;
    if (!r.matched) {
      const f = r.tests[0];
      out.push(`  rule ${r.rule.id} (${where}) does not match: ${t(f.test)} — the device has ${t(f.value)}`);
      out.push(`      ${t(r.rule.text)}`);
    } else {
      out.push(`  rule ${r.rule.id} (${where}) MATCHES → ${r.rule.target}`);
      out.push(`      ${t(r.rule.text)}`);
      for (const x of r.tests) out.push(`      ✓ ${t(x.test)} (device: ${t(x.value)})`);
      if (r.tests.length === 0) out.push('      (no attributes: matches every device)');
    }
  }
  const o = ev.outcome;
  out.push(`  decision: ${o.target} — ${t(decidedByText(o.by))}`);
  return out;
}

export function planText(p: Plan, indent = '    '): string[] {
  const out: string[] = [];
  for (const w of p.writes) out.push(`${indent}write ${t(w.path)} ← "${t(w.value)}"   # ${t(w.why)}`);
  if (p.writes.length === 0) out.push(`${indent}(no sysfs write)`);
  for (const n of p.notes) out.push(`${indent}note: ${t(n)}`);
  return out;
}

export function decisionJson(d: Decision): Record<string, unknown> {
  return { ...d };
}

export function resultJson(r: DeviceResult): Record<string, unknown> {
  return {
    bdf: r.device.bdf,
    vendor: hex4(r.device.vendor),
    device: hex4(r.device.device),
    class: hex6(r.device.classCode),
    hash: r.device.hash,
    parentHash: r.device.parentHash,
    driver: r.device.driver,
    decision: r.decision,
    status: r.status,
    plan: r.plan,
    ...(r.detail !== undefined ? { detail: r.detail } : {}),
  };
}

export function runText(results: readonly DeviceResult[], apply: boolean): string[] {
  const out: string[] = [];
  for (const r of results) {
    const by = r.decision.ruleId !== null ? `rule ${r.decision.ruleId}` : r.decision.ruleText;
    out.push(`${deviceLine(r.device)}: ${r.decision.target} (${t(by)})${r.status !== 'planned' ? ` — ${r.status}${r.detail !== undefined ? `: ${t(r.detail)}` : ''}` : ''}`);
    if (r.status !== 'unchanged' && (!apply || r.status === 'planned')) out.push(...planText(r.plan));
  }
  return out;
}

export function simulateText(r: SimResult): string[] {
  const out = [`dmagate agent simulate — variant ${r.variant}, passthrough ${r.passthrough ? 'on' : 'off'}`, '', 'decisions:'];
  for (const d of r.decisions) {
    const by = d.decision.ruleId !== null ? `rule ${d.decision.ruleId}: ${d.decision.ruleText}` : d.decision.ruleText;
    out.push(`  ${(d.device.name ?? d.device.bdf).padEnd(12)} ${d.decision.target.padEnd(6)} ${t(by)}`);
  }
  out.push('', `agent events: ${r.events.join(' ') || '(none)'}`);
  for (const c of r.cells) {
    out.push('', `${c.iommu}: ${c.stats.states} states, ${c.stats.transitions} transitions`);
    for (const [id, x] of Object.entries(c.results)) {
      const label = x.verdict === 'holds' && x.vacuous ? 'holds (vacuously)' : x.verdict === 'violated' ? 'VIOLATED' : x.verdict;
      out.push(`  ${label.padEnd(18)} ${id}${x.verdict === 'violated' ? ` — ${t(x.detail ?? '')}; trace: ${(x.trace ?? []).map(formatEvent).join(' ')}` : x.why ? ` — ${t(x.why)}` : ''}`);
    }
    for (const [dev, x] of Object.entries(c.keptOut)) {
      out.push(`  ${(x.verdict === 'violated' ? 'VIOLATED' : x.verdict).padEnd(18)} sec.unaccepted-no-dma for ${t(dev)} (kept out by the policy)${x.verdict === 'violated' ? ` — ${t(x.detail ?? '')}; trace: ${(x.trace ?? []).map(formatEvent).join(' ')}` : ''}`);
    }
    for (const f of c.findings) out.push(`  ${'VIOLATED'.padEnd(18)} ${f.invariant} by the policy — ${t(f.detail)}`);
  }
  return out;
}

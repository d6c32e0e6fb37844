// A decision: what the policy says about one device, with everything needed to audit it
// later (device-acceptance.md §7): identity and hash, the rule (id, text, where) or the
// setting that decided, target, options, the policy digest, the time.
import type { AgentDevice } from './device.js';
import { hex4, hex6 } from './device.js';
import type { AllowOptions, Policy } from './rules/ast.js';
import type { DecideContext } from './rules/conditions.js';
import { evaluate, type Evaluation, type Verdict } from './rules/evaluate.js';

export interface Decision {
  readonly bdf: string;
  readonly name: string | null;
  readonly vendor: string | null;
  readonly device: string | null;
  readonly class: string | null;
  readonly hash: string | null;
  readonly target: Verdict;
  /** Rule id; null when a setting or the implicit target decided. */
  readonly ruleId: number | null;
  /** The rule's canonical text, or "implicit" / "present-device-policy" / "bridge-policy" / "manual". */
  readonly ruleText: string;
  /** "FILE:LINE" of the rule; null otherwise. */
  readonly ruleSource: string | null;
  readonly options: AllowOptions;
  readonly policyDigest: string;
  /** ISO 8601. */
  readonly time: string;
}

export function decide(p: Policy, d: AgentDevice, ctx: DecideContext, now: Date = new Date()): { decision: Decision; evaluation: Evaluation } {
  const ev = evaluate(p, d, ctx);
  const o = ev.outcome;
  const by = o.by;
  return {
    evaluation: ev,
    decision: {
      bdf: d.bdf,
      name: d.name,
      vendor: hex4(d.vendor),
      device: hex4(d.device),
      class: hex6(d.classCode),
      hash: d.hash,
      target: o.target,
      ruleId: by.kind === 'rule' ? by.rule.id : null,
      ruleText: by.kind === 'rule' ? by.rule.text : by.kind,
      ruleSource: by.kind === 'rule' ? `${by.rule.pos.file}:${by.rule.pos.line}` : null,
      options: o.options,
      policyDigest: p.digest,
      time: now.toISOString(),
    },
  };
}

/** A decision made by hand (`agent allow|block|reject BDF`). */
export function manualDecision(d: AgentDevice, target: Verdict, policyDigest: string, now: Date = new Date()): Decision {
  return { bdf: d.bdf, name: d.name, vendor: hex4(d.vendor), device: hex4(d.device), class: hex6(d.classCode), hash: d.hash, target, ruleId: null, ruleText: 'manual', ruleSource: null, options: {}, policyDigest, time: now.toISOString() };
}

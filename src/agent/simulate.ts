// The model back end (`agent simulate`): the policy's decisions become what userspace may do
// in the kernel model under boot-dma-security (D3 step 5: userspace measures the device and
// accepts it by loading the driver): `accept(d)` and `bind(d)`/`vfio-bind(d)` only for devices
// an allow rule admits (with its driver option), `opt-in(d)` only with `ats opt-in` (D1). The
// verifier then explores every interleaving of those events with the kernel's own (probe,
// remove, VFIO, PASID …) and says which invariants hold *with this policy*; for each device
// the policy keeps out, `sec.unaccepted-no-dma` is also checked for that device alone.
//
// One finding the invariants cannot make: fun.msi-works quantifies over *bound* drivers, so a
// bridge the policy forgets (its pcieport never binds) passes it vacuously, while its AER/PME
// interrupts are never set up (D6: "pcieport AER/PME included"; D7/D8: bridges need MSI). The
// agent replays its own plan to the end and names that as a fun.msi-works policy finding.
import type { KEvent, KernelModel } from '../kernel/types.js';
import { formatEvent } from '../kernel/types.js';
import type { IommuId, Platform } from '../kernel/platform.js';
import { parseVariant, type Variant } from '../kernel/variants.js';
import type { PlatformTransforms } from '../verify/backend.js';
import { cellPlatform, runCell, type CellSpec } from '../verify/matrix.js';
import { checkCell } from '../verify/check.js';
import { unacceptedNoDma } from '../verify/invariants/security.js';
import type { CellStats, InvariantResult, StateInvariant } from '../verify/types.js';
import { InputError } from '../util/errors.js';
import { decide, type Decision } from './decide.js';
import { platformDevices } from './from-platform.js';
import type { AgentDevice } from './device.js';
import type { AllowOptions, Policy } from './rules/ast.js';
import { EMPTY_CONTEXT, type DecideContext } from './rules/conditions.js';
import type { Evaluation } from './rules/evaluate.js';
import { topoOrder } from './engine.js';

export const DEFAULT_SIM_VARIANT = 'boot-dma-security,park=empty-dma-no-ats,rmr=blocking-domain';

export interface SimDecision {
  readonly device: AgentDevice;
  readonly decision: Decision;
  readonly evaluation: Evaluation;
}

export interface PolicyFinding {
  readonly invariant: string;
  readonly device: string;
  readonly detail: string;
}

export interface SimCell {
  readonly iommu: IommuId;
  readonly stats: CellStats;
  readonly results: Readonly<Record<string, InvariantResult>>;
  /** sec.unaccepted-no-dma for each device the policy keeps out, alone. */
  readonly keptOut: Readonly<Record<string, InvariantResult>>;
  readonly findings: readonly PolicyFinding[];
}

export interface SimResult {
  readonly variant: string;
  readonly passthrough: boolean;
  readonly decisions: readonly SimDecision[];
  /** The agent's own actions, as model events, parents first. */
  readonly events: readonly string[];
  readonly cells: readonly SimCell[];
}

/** Allowed devices (by model name) and their options. */
export function allowMap(decisions: readonly SimDecision[]): Map<string, AllowOptions> {
  const m = new Map<string, AllowOptions>();
  for (const d of decisions) if (d.decision.target === 'allow' && d.device.name !== null) m.set(d.device.name, d.decision.options);
  return m;
}

/** The model with userspace restricted to what the policy allows. */
export function policyModel<S>(m: KernelModel<S>, allow: ReadonlyMap<string, AllowOptions>): KernelModel<S> {
  const permitted = (p: Platform, e: KEvent): boolean => {
    const a = allow.get(e.dev);
    const drv = p.devices.find((d) => d.name === e.dev)?.driver?.name ?? null;
    switch (e.kind) {
      case 'accept':
        return a !== undefined;
      case 'opt-in':
        return a?.atsOptIn === true;
      case 'bind':
        return a !== undefined && (a.driver === undefined || a.driver === drv);
      case 'vfio-bind':
        return a !== undefined && (a.driver === 'vfio-pci' || (a.driver === undefined && drv === 'vfio-pci'));
      default:
        return true; // the kernel's and the world's own events
    }
  };
  return { ...m, enabled: (p, v, s, codes) => m.enabled(p, v, s, codes).filter((e) => permitted(p, e)) };
}

function agentEvents(decisions: readonly SimDecision[], p: Platform, v: Variant): KEvent[] {
  const out: KEvent[] = [];
  for (const d of decisions) {
    const name = d.device.name;
    if (name === null || d.decision.target !== 'allow') continue;
    const drv = p.devices.find((x) => x.name === name)?.driver?.name ?? null;
    out.push({ kind: 'accept', dev: name });
    if (d.decision.options.atsOptIn === true && v.cxlAtsOptIn) out.push({ kind: 'opt-in', dev: name });
    const want = d.decision.options.driver ?? drv;
    if (want === 'vfio-pci') out.push({ kind: 'vfio-bind', dev: name });
    else if (drv !== null) out.push({ kind: 'bind', dev: name });
  }
  return out;
}

/** Runs the agent's plan to quiescence on the model (probe what can appear, then the agent's
 * events as they become enabled) and reports bridges left without their MSI-using driver. */
function bridgeFindings<S>(m: KernelModel<S>, p: Platform, v: Variant, decisions: readonly SimDecision[]): PolicyFinding[] {
  const plan = agentEvents(decisions, p, v).map(formatEvent);
  let s = m.init(p, v);
  for (let round = 0; round < p.devices.length * 4 + 4; round++) {
    const en = m.enabled(p, v, s).filter((e) => e.kind === 'probe' || plan.includes(formatEvent(e)));
    const done = new Set<string>();
    let moved = false;
    for (const e of en) {
      const k = formatEvent(e);
      if (done.has(k)) continue;
      done.add(k);
      if (!m.enabled(p, v, s).some((x) => formatEvent(x) === k)) continue;
      s = m.step(p, v, s, e).state;
      moved = true;
    }
    if (!moved) break;
  }
  const obs = m.observe(p, v, s);
  const out: PolicyFinding[] = [];
  for (const d of decisions) {
    const desc = p.devices.find((x) => x.name === d.device.name);
    if (desc === undefined || !d.device.isBridge || desc.driver === null || !desc.driver.usesMsi) continue;
    const o = obs.devices[desc.name];
    if (o === undefined || o.driver !== null) continue;
    const by = d.decision.ruleId !== null ? `rule ${d.decision.ruleId} (${d.decision.ruleText})` : `the ${d.decision.ruleText === 'implicit' ? 'implicit target' : d.decision.ruleText}`;
    out.push({
      invariant: 'fun.msi-works',
      device: desc.name,
      detail: `${desc.name} (${d.device.bdf}) is a bridge whose ${desc.driver.name} uses MSI for AER/PME; ${by} decides ${d.decision.target}, so ${desc.driver.name} never binds and those interrupts are never set up (D6; bridges need MSI: D7/D8)`,
    });
  }
  return out;
}

export interface SimOptions {
  readonly policy: Policy;
  readonly platform: Platform;
  readonly model: KernelModel<unknown>;
  readonly transforms: PlatformTransforms;
  readonly variant: string;
  readonly iommus: readonly IommuId[];
  readonly passthrough: boolean;
  readonly ccGuest: boolean;
  readonly invariants?: readonly string[];
  readonly maxStates?: number;
  readonly context?: DecideContext;
}

export function simulate(o: SimOptions): SimResult {
  const v = parseVariant(o.variant);
  if (!v.bootDmaSecurity) throw new InputError(`agent simulate needs a boot-dma-security variant (only there does userspace acceptance gate binding, D3); got "${o.variant}" — e.g. ${DEFAULT_SIM_VARIANT}`);
  const ctx = o.context ?? EMPTY_CONTEXT;
  const decisions: SimDecision[] = topoOrder(platformDevices(o.platform)).map((device) => ({ device, ...decide(o.policy, device, { ...ctx, iommu: ctx.iommu ?? o.platform.iommu }) }));
  const allow = allowMap(decisions);
  const model = policyModel(o.model, allow);
  const cells: SimCell[] = o.iommus.map((iommu) => {
    const spec: CellSpec = { iommu, passthrough: o.passthrough, ccGuest: o.ccGuest, variant: v.id };
    const cell = runCell(model, o.platform, spec, o.transforms, { invariants: o.invariants, maxStates: o.maxStates });
    const p = cellPlatform(o.platform, spec, o.transforms);
    const keptOut: Record<string, InvariantResult> = {};
    for (const d of decisions) {
      if (d.decision.target === 'allow' || d.device.name === null || d.device.isBridge) continue;
      const only = d.device.name;
      const inv: StateInvariant = { ...unacceptedNoDma, check: (c, obs) => unacceptedNoDma.check(c, { ...obs, devices: only in obs.devices ? { [only]: obs.devices[only] } : {} }) };
      keptOut[only] = checkCell(model, p, v, { invariants: [inv], maxStates: o.maxStates }).results[unacceptedNoDma.id];
    }
    return { iommu, stats: cell.stats, results: cell.results, keptOut, findings: bridgeFindings(model, p, v, decisions) };
  });
  return { variant: v.id, passthrough: o.passthrough, decisions, events: agentEvents(decisions, o.platform, v).map(formatEvent), cells };
}

/** 1 when anything is violated (an invariant, a kept-out device's DMA, a policy finding). */
export function simulateFound(r: SimResult): boolean {
  return r.cells.some((c) => c.findings.length > 0 || Object.values(c.results).some((x) => x.verdict === 'violated') || Object.values(c.keptOut).some((x) => x.verdict === 'violated'));
}

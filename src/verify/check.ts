// Checks invariants over the full exploration of one (platform, variant): state invariants
// on every reached state, transition invariants on every transition, the first violation
// of each kept (BFS: it is a shortest one). Optionally splits the platform into
// independent clusters first (./reduce.ts; the argument is in docs/verification.md).

import type { KEvent, KReturn, KernelModel, Observation, StepResult } from '../kernel/types.js';
import type { Move, PackedSession } from '../kernel/session.js';
import type { Platform } from '../kernel/platform.js';
import type { Variant } from '../kernel/variants.js';
import { explore, explorePacked } from './explore.js';
import { boundWhy, DEFAULT_MAX_STATES, defaultMaxMemoryMiB, type BoundHit } from './bounds.js';
import type { CellResult, DevFacts, InvariantResult, Invariant, PerDevice, StateInvariant, TransitionInvariant } from './types.js';
import { DeviceChecks } from './device-checks.js';
import { makeCtx } from './types.js';
import { INVARIANTS } from './invariants/index.js';
import { clusters, restrict, splitPorts } from './reduce.js';
import type { Part } from './reduce.js';
import type { PartMemo } from './part-memo.js';

export interface CheckOptions {
  readonly invariants?: readonly Invariant[];
  /** States per explored part (default DEFAULT_MAX_STATES). */
  readonly maxStates?: number;
  readonly maxDepth?: number;
  /** Heap budget in MiB (default defaultMaxMemoryMiB()). */
  readonly maxMemoryMiB?: number;
  /** Explore independent device clusters separately (default true). */
  readonly reduce?: boolean;
  /** Also split root ports from their subtrees where only probe order couples them
   * (default true; needs `reduce`). */
  readonly splitPorts?: boolean;
  /** Called as states are discovered (every 1024th, per explored part): for a progress line. */
  readonly onStates?: (states: number, depth: number) => void;
  /** Use the model's memoising session for step/observe when it has one (kernel/session.ts —
   * the same results, computed once per distinct local situation). Default: for parts of
   * SESSION_FROM_DEVICES devices or more. */
  readonly session?: boolean;
  /** Share part explorations with earlier cells (matrix runs; ./part-memo.ts). */
  readonly memo?: PartMemo<PartResult>;
}

/** What one exploration found, per invariant: premise reached, first violation. */
export interface PartResult {
  premise: Set<string>;
  violation: Map<string, { trace: KEvent[]; detail: string; device?: DevFacts }>;
  states: number;
  transitions: number;
  depth: number;
  boundHit: BoundHit | null;
}

const OBS_CACHE = 300_000;
/** Parts from this many devices use the model's step/observe memo by default. */
export const SESSION_FROM_DEVICES = 4;

/** A model that offers a memoising step/observe for one (platform, variant): kernel/session.ts. */
type WithSession<S> = KernelModel<S> & {
  session?(p: Platform, v: Variant): { step(s: S, e: KEvent): StepResult<S>; observe(s: S): Observation } & Partial<PackedSession<S>>;
};

function facts(obs: Observation, name: string | undefined): DevFacts | undefined {
  const d = name === undefined ? undefined : obs.devices[name];
  if (d === undefined) return undefined;
  return { name: d.name, isBridge: d.isBridge, requireDirect: d.requireDirect, untrusted: d.untrusted, cxlCache: d.cxlCache };
}

function exploreOne<S>(model: KernelModel<S>, p: Platform, frozen: ReadonlySet<string>, v: Variant, invs: readonly Invariant[], o: CheckOptions): PartResult {
  const ctx = makeCtx(p, v);
  const stateInvs: Invariant[] = invs.filter((i) => i.kind === 'state');
  const transInvs: Invariant[] = invs.filter((i) => i.kind === 'transition');
  const premise = new Set<string>();
  const found = new Map<string, { at: number; extra?: KEvent; detail: string; device?: DevFacts }>();
  // Observations by state id, so a transition's before/after are observed once per state
  // (the model's observe is the main cost); past OBS_CACHE states, recomputed instead.
  const cache: Observation[] = [];
  // The memo pays where events repeat in many states of other devices: parts of a few devices
  // (the reduced matrix: 1–3) explore too few states for its bookkeeping to pay back.
  // `session: false` is the plain path (explore, model.step/observe): the reference the fast
  // paths are tested against (test/verify/fast-paths.test.ts).
  const useMemo = o.session ?? p.devices.length >= SESSION_FROM_DEVICES;
  const sess = useMemo ? (model as WithSession<S>).session?.(p, v) : undefined;
  const packed = sess?.move !== undefined ? (sess as PackedSession<S>) : undefined;
  const observeS = sess === undefined ? (s: S) => model.observe(p, v, s) : (s: S) => sess.observe(s);
  const stepS = sess === undefined ? (s: S, e: KEvent) => model.step(p, v, s, e) : (s: S, e: KEvent) => sess.step(s, e);
  /** `codes`: s's code vector, when the packed explorer has it (the memo looks up by it). */
  const obsOf = (s: S, id: number, codes?: Int32Array, fromId = -1, m?: Move): Observation => {
    const hit = cache[id];
    if (hit !== undefined) return hit;
    const parent = fromId >= 0 ? cache[fromId] : undefined; // the state s was first reached from
    const o =
      codes === undefined || packed === undefined
        ? observeS(s)
        : parent !== undefined && m !== undefined
          ? packed.observeFrom(s, codes, 0, parent, m.pos)
          : packed.observeAt(s, codes, 0);
    if (id < OBS_CACHE) cache[id] = o;
    return o;
  };
  // An invariant whose premise was reached and whose first (shortest) violation is found is
  // settled: further checks (pure functions) could change neither, so it leaves the lists.
  const settle = (list: Invariant[], k: number): number => {
    if (!premise.has(list[k].id)) return k;
    list.splice(k, 1);
    return k - 1;
  };
  // With the memo's shared DeviceObs objects, state invariants of the forDevices shape are
  // answered per DeviceObs (./device-checks.ts: the same Checks, computed once per object).
  const tests = stateInvs.map((i) => (i as StateInvariant).perDevice);
  const perDev = packed !== undefined && tests.every((t) => t !== undefined) ? new DeviceChecks(ctx, tests as PerDevice[]) : undefined;
  const slotOf = new Map(stateInvs.map((inv, k) => [inv, k]));
  const checkState = (obs: Observation, id: number): void => {
    perDev?.prepare(obs);
    for (let k = 0; k < stateInvs.length; k++) {
      const inv = stateInvs[k] as StateInvariant;
      const c = perDev === undefined ? inv.check(ctx, obs) : perDev.check(slotOf.get(inv)!);
      if (c.premise) premise.add(inv.id);
      if (!c.ok && !found.has(inv.id)) {
        found.set(inv.id, { at: id, detail: c.detail ?? '', device: facts(obs, c.device) });
        k = settle(stateInvs, k);
      }
    }
  };
  const onState = (s: S, id: number, depth: number, codes?: Int32Array, fromId?: number, m?: Move): void => {
    if (o.onStates !== undefined && (id & 1023) === 0) o.onStates(id, depth);
    // New states' observations are computed once here, then reused as "after".
    if (stateInvs.length > 0) checkState(obsOf(s, id, codes, fromId, m), id);
  };
  const checkTransition = (before: Observation, fromId: number, e: KEvent, ret: KReturn, after: Observation): void => {
    for (let k = 0; k < transInvs.length; k++) {
      const inv = transInvs[k] as TransitionInvariant;
      const c = inv.check(ctx, before, e, ret, after);
      if (c.premise) premise.add(inv.id);
      if (!c.ok && !found.has(inv.id)) {
        found.set(inv.id, { at: fromId, extra: e, detail: c.detail ?? '', device: facts(after, c.device) ?? facts(before, c.device) });
        k = settle(transInvs, k);
      }
    }
  };
  const enabled = frozen.size === 0 ? (s: S, codes?: Int32Array) => model.enabled(p, v, s, codes) : (s: S, codes?: Int32Array) => model.enabled(p, v, s, codes).filter((e) => e.kind === 'probe' || !frozen.has(e.dev));
  const bounds = { maxStates: o.maxStates ?? DEFAULT_MAX_STATES, maxDepth: o.maxDepth, maxHeapBytes: (o.maxMemoryMiB ?? defaultMaxMemoryMiB()) * 1024 * 1024 };
  const ex =
    packed !== undefined
      ? explorePacked<S, KEvent, Move>(
          { init: model.init(p, v), width: packed.width, enabled, codes: packed.codes, move: packed.move, apply: packed.apply },
          bounds,
          {
            onState,
            onTransition: (from, fromId, e, m, toId, _isNew, codes) => {
              if (transInvs.length === 0) return;
              // The successor is built only when its observation is not cached.
              checkTransition(obsOf(from, fromId, codes), fromId, e, m.ret, cache[toId] ?? obsOf(packed.apply(from, m), toId));
            },
          },
        )
      : explore<S, KEvent, StepResult<S>>({ init: model.init(p, v), enabled, step: stepS, key: (s) => model.key(s) }, bounds, {
          onState,
          onTransition: (from, fromId, e, r, toId) => {
            if (transInvs.length === 0) return;
            checkTransition(obsOf(from, fromId), fromId, e, r.ret, obsOf(r.state, toId));
          },
        });
  const violation = new Map<string, { trace: KEvent[]; detail: string; device?: DevFacts }>();
  for (const [id, f] of found) {
    const trace = ex.pathTo(f.at);
    if (f.extra !== undefined) trace.push(f.extra);
    violation.set(id, { trace, detail: f.detail, device: f.device });
  }
  return { premise, violation, states: ex.stats.states, transitions: ex.stats.transitions, depth: ex.stats.depth, boundHit: ex.stats.boundHit };
}

/** What one cell explores: the applicable invariants and the independent parts. */
export interface CellPlan {
  readonly t0: number;
  readonly all: readonly Invariant[];
  /** The n/a verdicts, filled in by finishCell with the rest. */
  readonly results: Record<string, InvariantResult>;
  readonly live: readonly Invariant[];
  readonly parts: readonly Part[];
  /** The bounds the parts are explored under (for an inconclusive verdict's `why`). */
  readonly bounds: { readonly maxStates?: number; readonly maxDepth?: number; readonly maxMemoryMiB?: number };
}

export function planCell(p: Platform, v: Variant, o: CheckOptions = {}): CellPlan {
  const t0 = performance.now();
  const all = o.invariants ?? INVARIANTS;
  const results: Record<string, InvariantResult> = {};
  const live: Invariant[] = [];
  for (const inv of all) {
    const a = inv.applies(p, v);
    if (a.applies) live.push(inv);
    else results[inv.id] = { verdict: 'n/a', why: a.why };
  }
  const parts: Part[] =
    o.reduce === false
      ? [{ platform: p, frozen: new Set() }]
      : clusters(p).flatMap((c) => (o.splitPorts === false ? [{ platform: restrict(p, c), frozen: new Set<string>() }] : splitPorts(p, c)));
  return { t0, all, results, live, parts, bounds: { maxStates: o.maxStates, maxDepth: o.maxDepth, maxMemoryMiB: o.maxMemoryMiB } };
}

/** Explores part `i` of the plan (through the memo, when given). */
export function explorePart<S>(model: KernelModel<S>, plan: CellPlan, i: number, v: Variant, o: CheckOptions = {}): PartResult {
  const sub = plan.parts[i];
  if (o.memo === undefined) return exploreOne(model, sub.platform, sub.frozen, v, plan.live, o);
  const shape = `${[...sub.frozen].sort().join(',')};${plan.live.map((x) => x.id).join(',')};${o.maxStates ?? ''};${o.maxDepth ?? ''}`;
  return o.memo.get(shape, sub.platform, v, (tp, tv) => exploreOne(model, tp, sub.frozen, tv, plan.live, o));
}

/** The cell's verdicts from its parts' results (in part order: equal-length violations keep the first). */
export function finishCell(plan: CellPlan, partResults: readonly PartResult[]): CellResult {
  const { all, live } = plan;
  const results = { ...plan.results };
  const merged: PartResult = { premise: new Set(), violation: new Map(), states: 0, transitions: 0, depth: 0, boundHit: null };
  for (const r of partResults) {
    for (const id of r.premise) merged.premise.add(id);
    for (const [id, viol] of r.violation) {
      const old = merged.violation.get(id);
      if (old === undefined || viol.trace.length < old.trace.length) merged.violation.set(id, viol);
    }
    merged.states += r.states;
    merged.transitions += r.transitions;
    merged.depth = Math.max(merged.depth, r.depth);
    merged.boundHit ??= r.boundHit;
    if (r.boundHit === 'memory') break; // the heap is spent: the other parts would not fit either
  }
  for (const inv of live) {
    const viol = merged.violation.get(inv.id);
    if (viol !== undefined) results[inv.id] = { verdict: 'violated', trace: viol.trace, detail: viol.detail, ...(viol.device ? { device: viol.device } : {}) };
    else if (merged.boundHit !== null) {
      results[inv.id] = { verdict: 'inconclusive', why: boundWhy(merged.boundHit, plan.bounds) };
    } else if (!merged.premise.has(inv.id)) results[inv.id] = { verdict: 'holds', vacuous: true };
    else results[inv.id] = { verdict: 'holds' };
  }
  // Report in registry order.
  const ordered: Record<string, InvariantResult> = {};
  for (const inv of all) ordered[inv.id] = results[inv.id];
  return {
    stats: {
      states: merged.states,
      transitions: merged.transitions,
      ms: Math.round((performance.now() - plan.t0) * 10) / 10,
      depth: merged.depth,
      clusters: plan.parts.length,
      boundHit: merged.boundHit,
    },
    results: ordered,
  };
}

/** Verdicts for every invariant (n/a ones included) on one (platform, variant). */
export function checkCell<S>(model: KernelModel<S>, p: Platform, v: Variant, o: CheckOptions = {}): CellResult {
  const plan = planCell(p, v, o);
  return finishCell(
    plan,
    plan.parts.map((_, i) => explorePart(model, plan, i, v, o)),
  );
}

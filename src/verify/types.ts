// The verifier's vocabulary: invariants as predicates over (platform, variant, observation)
// or over a transition (before, event, return, after), and the verdicts a run gives them.
// Ids and statements: ../shared/design/VERIFICATION.md ("Invariants", "Semantics the
// verdicts depend on").

import type { DeviceDesc, Platform } from '../kernel/platform.js';
import type { Variant } from '../kernel/variants.js';
import type { DeviceObs, KEvent, KReturn, Observation } from '../kernel/types.js';
import type { BoundHit } from './bounds.js';

export const INVARIANT_IDS = [
  'sec.untrusted-no-ats',
  'sec.blocked-means-no-translated',
  'sec.blocked-means-no-translated-strict',
  'sec.unaccepted-no-dma',
  'sec.unaccepted-no-dma-strict',
  'sec.no-hypervisor-escape',
  'sec.cxl-ats-needs-opt-in',
  'fun.cxl-cache-works',
  'fun.msi-works',
  'fun.no-silent-msi-loss',
  'fun.rmr-preserved',
  'fun.pasid-survives-rid-block',
  'fun.accepted-binds',
  'adv.identity-without-ats',
] as const;
export type InvariantId = (typeof INVARIANT_IDS)[number];

export function isInvariantId(s: string): s is InvariantId {
  return (INVARIANT_IDS as readonly string[]).includes(s);
}

/** What an invariant reads besides the observation: the machine and the kernel variant. */
export interface Ctx {
  readonly p: Platform;
  readonly v: Variant;
  /** name -> DeviceDesc of `p`. */
  readonly desc: ReadonlyMap<string, DeviceDesc>;
}

export function makeCtx(p: Platform, v: Variant): Ctx {
  return { p, v, desc: new Map(p.devices.map((d) => [d.name, d])) };
}

/** One evaluation. `premise`: the situation the invariant talks about exists here (so a
 * run that never sees it holds only vacuously). `ok`: not violated. `detail`: the first
 * offending device, in words. */
export interface Check {
  readonly premise: boolean;
  readonly ok: boolean;
  readonly detail?: string;
  /** The offending device, when one is to blame. */
  readonly device?: string;
}

/** What explanations may ask about the offending device (from its observation). */
export interface DevFacts {
  readonly name: string;
  readonly isBridge: boolean;
  readonly requireDirect: boolean;
  readonly untrusted: boolean;
  readonly cxlCache: boolean;
}

export const VACUOUS: Check = { premise: false, ok: true };
/** The premise holds and nothing is violated (a shared constant: Checks are read-only). */
export const PREMISE_OK: Check = { premise: true, ok: true };

export type Applicability = { readonly applies: true } | { readonly applies: false; readonly why: string };
export const APPLIES: Applicability = { applies: true };

interface InvariantBase {
  readonly id: InvariantId;
  /** One line, as in VERIFICATION.md. */
  readonly statement: string;
  /** Where it comes from: rule labels of the reference and thread messages. */
  readonly source: string;
  /** `applies: false` makes the verdict `n/a`, with the reason. */
  applies(p: Platform, v: Variant): Applicability;
}

export interface StateInvariant extends InvariantBase {
  readonly kind: 'state';
  check(ctx: Ctx, obs: Observation): Check;
  /** When set, `check` is exactly forDevices(obs, about, good) over these (invariants/helpers.ts
   * perDevice): the explorer may evaluate them per DeviceObs (verify/device-checks.ts). */
  readonly perDevice?: PerDevice;
}

/** A quantification over present devices (invariants/helpers.ts forDevices): `about` says the
 * invariant talks about the device, `good` null or what is wrong with it. Pure functions of
 * (ctx, d). */
export interface PerDevice {
  about(ctx: Ctx, d: DeviceObs): boolean;
  good(ctx: Ctx, d: DeviceObs): string | null;
}

export interface TransitionInvariant extends InvariantBase {
  readonly kind: 'transition';
  check(ctx: Ctx, before: Observation, e: KEvent, ret: KReturn, after: Observation): Check;
}

export type Invariant = StateInvariant | TransitionInvariant;

/** `inconclusive`: a bound was hit before a violation was found (never "holds"). The
 * JSON contract's verdicts are holds | violated | n/a; `inconclusive` appears only when
 * the user sets --max-states/--max-depth low enough to be hit. */
export type Verdict = 'holds' | 'violated' | 'n/a' | 'inconclusive';

export interface InvariantResult {
  readonly verdict: Verdict;
  /** holds, but the premise was never reached in any explored state/transition. */
  readonly vacuous?: boolean;
  /** violated: the shortest event sequence from boot. */
  readonly trace?: readonly KEvent[];
  /** violated: what broke, at the last step. */
  readonly detail?: string;
  /** violated: the offending device. */
  readonly device?: DevFacts;
  /** n/a or inconclusive: why. */
  readonly why?: string;
}

export interface CellStats {
  readonly states: number;
  readonly transitions: number;
  readonly ms: number;
  /** Deepest BFS level reached. */
  readonly depth: number;
  /** Independent clusters explored separately (1 = unreduced). */
  readonly clusters: number;
  /** Which bound stopped exploration, if any. */
  readonly boundHit: BoundHit | null;
}

export interface CellResult {
  readonly stats: CellStats;
  readonly results: Readonly<Record<string, InvariantResult>>;
}

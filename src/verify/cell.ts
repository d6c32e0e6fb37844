// One matrix cell (platform × IOMMU × passthrough × CC guest × variant): its spec, the
// check that fills it, and its JSON contract (VERIFICATION.md "Machine-readable results").
// Pure — no Node imports — so the browser explorer (src/web, web/) runs the very same code
// as the CLI; matrix.ts adds the worker threads and re-exports all of this.

import type { KernelModel } from '../kernel/types.js';
import { formatEvent } from '../kernel/types.js';
import { parseVariant } from '../kernel/variants.js';
import type { IommuId, Platform } from '../kernel/platform.js';
import type { PlatformTransforms } from './backend.js'; // type only: erased, backend's node:fs never loads
import { checkCell } from './check.js';
import { selectInvariants } from './invariants/index.js';
import type { CellStats, InvariantResult } from './types.js';
import type { Combination } from './combinations.js';

export interface CellSpec {
  readonly iommu: IommuId;
  readonly passthrough: boolean;
  readonly ccGuest: boolean;
  readonly variant: string;
}

export interface MatrixCell extends CellSpec {
  readonly stats: CellStats;
  readonly results: Readonly<Record<string, InvariantResult>>;
}

export interface CellOptions {
  readonly invariants?: readonly string[];
  readonly maxStates?: number;
  readonly maxDepth?: number;
  readonly reduce?: boolean;
  readonly splitPorts?: boolean;
}

/** Cells in report order: IOMMU, then combination, then passthrough off/on. */
export function cellsOf(combos: readonly Combination[], iommus: readonly IommuId[], passthrough: readonly boolean[] = [false, true]): CellSpec[] {
  const out: CellSpec[] = [];
  for (const iommu of iommus) for (const c of combos) for (const pt of passthrough) out.push({ iommu, passthrough: pt, ccGuest: c.ccGuest, variant: c.variantText });
  return out;
}

export function cellPlatform(base: Platform, c: CellSpec, tr: PlatformTransforms): Platform {
  return tr.withIommu(tr.withPassthrough(tr.withCcGuest(base, c.ccGuest), c.passthrough), c.iommu);
}

export function runCell<S>(model: KernelModel<S>, base: Platform, c: CellSpec, tr: PlatformTransforms, o: CellOptions): MatrixCell {
  const { invariants } = selectInvariants(o.invariants);
  const r = checkCell(model, cellPlatform(base, c, tr), parseVariant(c.variant), { invariants, maxStates: o.maxStates, maxDepth: o.maxDepth, reduce: o.reduce, splitPorts: o.splitPorts });
  return { ...c, stats: r.stats, results: r.results };
}

// ---- JSON contract (VERIFICATION.md "Machine-readable results") ----

export interface JsonResult {
  verdict: string;
  trace?: string[];
  why?: string;
}
export interface JsonCell {
  iommu: IommuId;
  passthrough: boolean;
  ccGuest: boolean;
  variant: string;
  stats: { states: number; transitions: number; ms: number };
  results: Record<string, JsonResult>;
}

export function jsonResult(r: InvariantResult): JsonResult {
  const j: JsonResult = { verdict: r.verdict };
  if (r.trace !== undefined) j.trace = r.trace.map(formatEvent);
  if (r.why !== undefined) j.why = r.why;
  else if (r.vacuous === true) j.why = 'vacuously: the premise is never reached';
  return j;
}

export function jsonCell(c: MatrixCell): JsonCell {
  const results: Record<string, JsonResult> = {};
  for (const [id, r] of Object.entries(c.results)) results[id] = jsonResult(r);
  return {
    iommu: c.iommu,
    passthrough: c.passthrough,
    ccGuest: c.ccGuest,
    variant: c.variant,
    stats: { states: c.stats.states, transitions: c.stats.transitions, ms: Math.round(c.stats.ms) },
    results,
  };
}

export function jsonMatrix(platformName: string, cells: readonly MatrixCell[]): { platform: string; cells: JsonCell[] } {
  return { platform: platformName, cells: cells.map(jsonCell) };
}

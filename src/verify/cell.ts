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
import type { CheckOptions, PartResult } from './check.js';
import type { PartMemo } from './part-memo.js';
import { explain } from './explain.js';
import { formatBdf, parseBdf } from '../pci/bdf.js';
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

/** A cell's check options as the CLI and workers give them: invariants by id (structured-clone
 * safe, so workers get them too), the rest as CheckOptions (./check.ts) has them. */
export interface CellOptions extends Omit<CheckOptions, 'invariants' | 'memo' | 'session'> {
  readonly invariants?: readonly string[];
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

/** The check options of a cell (and a matrix run's memo of part explorations). */
export function checkOptions(o: CellOptions, memo?: PartMemo<PartResult>): CheckOptions {
  const { invariants } = selectInvariants(o.invariants);
  return { invariants, maxStates: o.maxStates, maxDepth: o.maxDepth, maxMemoryMiB: o.maxMemoryMiB, reduce: o.reduce, splitPorts: o.splitPorts, onStates: o.onStates, memo };
}

/** One cell. `memo`: share part explorations with the cells run before it (one per run or worker). */
export function runCell<S>(model: KernelModel<S>, base: Platform, c: CellSpec, tr: PlatformTransforms, o: CellOptions, memo?: PartMemo<PartResult>): MatrixCell {
  const r = checkCell(model, cellPlatform(base, c, tr), parseVariant(c.variant), checkOptions(o, memo));
  return { ...c, stats: r.stats, results: r.results };
}

// ---- JSON contract (VERIFICATION.md "Machine-readable results") ----

export interface JsonResult {
  verdict: string;
  trace?: string[];
  why?: string;
  /** violated: what broke at the last step, the offending device, and the one-line
   * explanation citing the thread (the same text `verify`/`matrix` print). Added fields:
   * the contract's verdict/trace/why are unchanged (docs/json.md). */
  detail?: string;
  device?: { name: string; bdf?: string };
  explanation?: string;
}
export interface JsonCell {
  iommu: IommuId;
  passthrough: boolean;
  ccGuest: boolean;
  variant: string;
  stats: { states: number; transitions: number; ms: number };
  results: Record<string, JsonResult>;
}

/** A device name -> its BDF with domain ("0000:00:01.0"), when the platform knows it. */
export type BdfOf = (name: string) => string | undefined;

/** BdfOf over a platform's devices (BDFs written without a domain get domain 0000). */
export function bdfLookup(p: Platform): BdfOf {
  const m = new Map<string, string>();
  for (const d of p.devices) {
    const b = parseBdf(d.bdf);
    if (b !== null) m.set(d.name, formatBdf(b, true));
  }
  return (name) => m.get(name);
}

export function jsonResult(r: InvariantResult, explanation?: string | null, bdfOf?: BdfOf): JsonResult {
  const j: JsonResult = { verdict: r.verdict };
  if (r.trace !== undefined) j.trace = r.trace.map(formatEvent);
  if (r.why !== undefined) j.why = r.why;
  else if (r.vacuous === true) j.why = 'vacuously: the premise is never reached';
  if (r.verdict === 'violated') {
    if (r.detail !== undefined && r.detail !== '') j.detail = r.detail;
    if (r.device !== undefined) {
      const bdf = bdfOf?.(r.device.name);
      j.device = bdf === undefined ? { name: r.device.name } : { name: r.device.name, bdf };
    }
    if (explanation !== undefined && explanation !== null) j.explanation = explanation;
  }
  return j;
}

export function jsonCell(c: MatrixCell, bdfOf?: BdfOf): JsonCell {
  const results: Record<string, JsonResult> = {};
  const v = parseVariant(c.variant);
  for (const [id, r] of Object.entries(c.results)) {
    const why = r.verdict === 'violated' ? explain(id, { iommu: c.iommu, passthrough: c.passthrough, ccGuest: c.ccGuest, variant: v }, r.trace, r.device) : null;
    results[id] = jsonResult(r, why, bdfOf);
  }
  return {
    iommu: c.iommu,
    passthrough: c.passthrough,
    ccGuest: c.ccGuest,
    variant: c.variant,
    stats: { states: c.stats.states, transitions: c.stats.transitions, ms: Math.round(c.stats.ms) },
    results,
  };
}

export function jsonMatrix(platformName: string, cells: readonly MatrixCell[], bdfOf?: BdfOf): { platform: string; cells: JsonCell[] } {
  return { platform: platformName, cells: cells.map((c) => jsonCell(c, bdfOf)) };
}

// The verification matrix: variant combinations × IOMMU platforms × passthrough (× CC
// guest) × invariants, cells spread over worker threads. Default: the reference platform
// and the 25 combinations of VERIFICATION.md on all four IOMMUs, passthrough off and on.

import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import type { KernelModel } from '../kernel/types.js';
import { formatEvent } from '../kernel/types.js';
import { parseVariant } from '../kernel/variants.js';
import type { IommuId, Platform } from '../kernel/platform.js';
import type { PlatformTransforms } from './backend.js';
import { FALLBACK_TRANSFORMS, loadBackend } from './backend.js';
import { checkCell } from './check.js';
import type { PartResult } from './check.js';
import { PartMemo } from './part-memo.js';
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

export interface MatrixRunOptions extends CellOptions {
  /** Threads (this one included); 1 runs in this thread only. Default: defaultJobs(cells). */
  readonly jobs?: number;
  onProgress?(done: number, total: number): void;
  /** A module URL exporting `kernelModel` (and optionally the transforms) to use instead of
   * the real backend — for tests with toy models. */
  readonly backendModule?: string;
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

/** One cell. `memo`: share part explorations with the cells run before it (one per run or worker). */
export function runCell<S>(model: KernelModel<S>, base: Platform, c: CellSpec, tr: PlatformTransforms, o: CellOptions, memo?: PartMemo<PartResult>): MatrixCell {
  const { invariants } = selectInvariants(o.invariants);
  const r = checkCell(model, cellPlatform(base, c, tr), parseVariant(c.variant), { invariants, maxStates: o.maxStates, maxDepth: o.maxDepth, reduce: o.reduce, splitPorts: o.splitPorts, memo });
  return { ...c, stats: r.stats, results: r.results };
}

interface Loaded {
  model: KernelModel<unknown>;
  transforms: PlatformTransforms;
}

/** Loads either the real backend or a test module (`kernelModel` + optional transforms). */
export async function loadForCells(backendModule?: string): Promise<Loaded> {
  if (backendModule === undefined) {
    const b = await loadBackend();
    return { model: b.model, transforms: b.transforms };
  }
  const m = (await import(backendModule)) as { kernelModel: KernelModel<unknown>; transforms?: PlatformTransforms };
  return { model: m.kernelModel, transforms: m.transforms ?? FALLBACK_TRANSFORMS };
}

/** Cells per extra thread below which threads do not pay: a worker's module load and JIT
 * warm-up cost about 1 s of CPU on the 2-core reference machine, more than it saves on the
 * default 200-cell matrix (bench/matrix-bench.ts; docs/verification.md "Performance"). */
export const CELLS_PER_THREAD = 400;

/** Default threads: the cores, capped at one per CELLS_PER_THREAD cells. */
export function defaultJobs(cells = Number.POSITIVE_INFINITY): number {
  return Math.max(1, Math.min(availableParallelism(), Math.ceil(cells / CELLS_PER_THREAD)));
}

/** A worker running matrix-worker beside this file: the .js from dist/ directly; under tsx
 * (tests, development) the .ts, after registering tsx inside the worker, because Node 20
 * workers do not apply the parent's `--import` hooks. */
function startWorker(init: WorkerInit): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./matrix-worker.js', import.meta.url), { workerData: init });
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./matrix-worker.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true, workerData: init });
}

export interface WorkerInit {
  readonly base: Platform;
  readonly options: CellOptions;
  readonly backendModule?: string;
}
export type WorkerRequest = { readonly idx: number; readonly cell: CellSpec };
export type WorkerReply = { readonly idx: number; readonly cell?: MatrixCell; readonly error?: string };

/** Runs every cell; results in the order of `cells`. */
export async function runMatrix(base: Platform, cells: readonly CellSpec[], o: MatrixRunOptions = {}): Promise<MatrixCell[]> {
  const jobs = Math.max(1, Math.min(o.jobs ?? defaultJobs(cells.length), cells.length));
  const out: MatrixCell[] = new Array<MatrixCell>(cells.length);
  const cellOpts: CellOptions = { invariants: o.invariants, maxStates: o.maxStates, maxDepth: o.maxDepth, reduce: o.reduce, splitPorts: o.splitPorts };
  const memo = new PartMemo<PartResult>();
  if (jobs <= 1) {
    const { model, transforms } = await loadForCells(o.backendModule);
    cells.forEach((c, i) => {
      out[i] = runCell(model, base, c, transforms, cellOpts, memo);
      o.onProgress?.(i + 1, cells.length);
    });
    return out;
  }
  // jobs-1 workers plus this thread: the main thread runs cells between messages, so a
  // 2-job run pays for one extra module load and JIT warm-up, not two.
  const { model, transforms } = await loadForCells(o.backendModule);
  let next = 0;
  let done = 0;
  const init: WorkerInit = { base, options: cellOpts, backendModule: o.backendModule };
  await new Promise<void>((resolve, reject) => {
    const workers: Worker[] = [];
    const retired = new Set<Worker>();
    let settled = false;
    const stopAll = (): void => {
      for (const x of workers) {
        retired.add(x);
        void x.terminate();
      }
    };
    const fail = (e: Error): void => {
      if (settled) return;
      settled = true;
      stopAll();
      reject(e);
    };
    const finish = (idx: number, cell: MatrixCell): void => {
      out[idx] = cell;
      done++;
      o.onProgress?.(done, cells.length);
      if (done === cells.length && !settled) {
        settled = true;
        stopAll();
        resolve();
      }
    };
    const feed = (w: Worker): void => {
      if (next < cells.length) {
        const req: WorkerRequest = { idx: next, cell: cells[next] };
        next++;
        w.postMessage(req);
      } else {
        retired.add(w);
        void w.terminate();
      }
    };
    for (let j = 1; j < jobs; j++) {
      const w = startWorker(init);
      workers.push(w);
      w.on('message', (m: WorkerReply) => {
        if (m.error !== undefined || m.cell === undefined) return fail(new Error(m.error ?? 'worker sent no cell'));
        finish(m.idx, m.cell);
        if (!settled) feed(w);
      });
      w.on('error', fail);
      w.on('exit', (code) => {
        if (!retired.has(w)) fail(new Error(`matrix worker exited early (code ${code})`));
      });
      feed(w);
    }
    const mainStep = (): void => {
      if (settled || next >= cells.length) return;
      const idx = next++;
      try {
        finish(idx, runCell(model, base, cells[idx], transforms, cellOpts, memo));
      } catch (e) {
        return fail(e instanceof Error ? e : new Error(String(e)));
      }
      setImmediate(mainStep);
    };
    setImmediate(mainStep);
  });
  return out;
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

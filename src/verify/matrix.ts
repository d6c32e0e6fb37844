// The verification matrix: variant combinations × IOMMU platforms × passthrough (× CC
// guest) × invariants, cells spread over worker threads. Default: the reference platform
// and the 25 combinations of VERIFICATION.md on all four IOMMUs, passthrough off and on.

import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import type { KernelModel } from '../kernel/types.js';
import { parseVariant } from '../kernel/variants.js';
import type { Platform } from '../kernel/platform.js';
import type { PlatformTransforms } from './backend.js';
import { FALLBACK_TRANSFORMS, loadBackend } from './backend.js';
import { explorePart, finishCell, planCell } from './check.js';
import type { PartResult } from './check.js';
import { PartMemo } from './part-memo.js';
import { cellPlatform, checkOptions, runCell } from './cell.js';
import type { CellOptions, CellSpec, MatrixCell } from './cell.js';

// The cell, its check and its JSON contract live in ./cell.ts (pure, shared with the browser).
export { cellsOf, cellPlatform, runCell, jsonResult, jsonCell, jsonMatrix, bdfLookup } from './cell.js';
export type { CellSpec, MatrixCell, CellOptions, JsonResult, JsonCell, BdfOf } from './cell.js';

export interface MatrixRunOptions extends CellOptions {
  /** Threads (this one included); 1 runs in this thread only. Default: defaultJobs(cells). */
  readonly jobs?: number;
  onProgress?(done: number, total: number): void;
  /** A module URL exporting `kernelModel` (and optionally the transforms) to use instead of
   * the real backend — for tests with toy models. */
  readonly backendModule?: string;
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

/** Work (cells × devices) per extra thread below which threads do not pay: a worker's module
 * load and JIT warm-up cost about 1 s of CPU, more than it saves on the default matrix (200
 * cells × 11 devices, explored in about 1 s by one thread since parts are shared between
 * cells), but not on larger platforms (bench/matrix-bench.ts, docs/performance.md "Threads"). */
export const WORK_PER_THREAD = 4000;
/** Kept for callers of the earlier rule (cells only, for an 11-device platform). */
export const CELLS_PER_THREAD = Math.ceil(WORK_PER_THREAD / 11);

/** Default threads: the cores, capped at one per WORK_PER_THREAD cell-devices. */
export function defaultJobs(cells = Number.POSITIVE_INFINITY, devices = 11): number {
  return Math.max(1, Math.min(availableParallelism(), Math.ceil((cells * devices) / WORK_PER_THREAD)));
}

/** Devices from which `verify` explores a cell's parts on every core by default: below, one
 * cell's exploration takes less than a worker's start-up (docs/performance.md "Threads"). */
export const VERIFY_THREADS_FROM_DEVICES = 40;

export function defaultVerifyJobs(devices: number): number {
  return devices >= VERIFY_THREADS_FROM_DEVICES ? availableParallelism() : 1;
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
/** A whole cell, or part `part` of a cell's plan (planCell is deterministic: the worker
 * recomputes the same parts). */
export type WorkerRequest = { readonly idx: number; readonly cells: readonly CellSpec[]; readonly part?: number };
export type WorkerReply = { readonly idx: number; readonly cells?: MatrixCell[]; readonly part?: PartResult; readonly error?: string };

/** Cells per pool task: contiguous blocks (cells of one IOMMU together), so that each thread's
 * part memo still finds the cells it can share with; about four blocks per thread for balance. */
function blockSize(cells: number, jobs: number): number {
  return Math.max(1, Math.ceil(cells / (jobs * 4)));
}

/** Part `part` of cell `c` (what a worker does for `verify --jobs`). */
export function runCellPart<S>(model: KernelModel<S>, base: Platform, c: CellSpec, tr: PlatformTransforms, o: CellOptions, part: number): PartResult {
  const v = parseVariant(c.variant);
  const co = checkOptions(o);
  return explorePart(model, planCell(cellPlatform(base, c, tr), v, co), part, v, co);
}

/** Runs tasks 0..n-1 on `jobs` threads: jobs-1 workers and this thread (between messages,
 * so a 2-job run pays for one extra module load and JIT warm-up, not two). Results in task order. */
async function runPool<T>(n: number, jobs: number, init: WorkerInit, request: (i: number) => WorkerRequest, local: (i: number) => T, reply: (m: WorkerReply) => T | undefined, onDone?: (done: number) => void): Promise<T[]> {
  const out: T[] = new Array<T>(n);
  let next = 0;
  let done = 0;
  if (n === 0) return out;
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
    const finish = (idx: number, r: T): void => {
      out[idx] = r;
      done++;
      onDone?.(done);
      if (done === n && !settled) {
        settled = true;
        stopAll();
        resolve();
      }
    };
    const feed = (w: Worker): void => {
      if (next < n) w.postMessage(request(next++));
      else {
        retired.add(w);
        void w.terminate();
      }
    };
    for (let j = 1; j < jobs; j++) {
      const w = startWorker(init);
      workers.push(w);
      w.on('message', (m: WorkerReply) => {
        const r = m.error === undefined ? reply(m) : undefined;
        if (r === undefined) return fail(new Error(m.error ?? 'worker sent no result'));
        finish(m.idx, r);
        if (!settled) feed(w);
      });
      w.on('error', fail);
      w.on('exit', (code) => {
        if (!retired.has(w)) fail(new Error(`matrix worker exited early (code ${code})`));
      });
      feed(w);
    }
    const mainStep = (): void => {
      if (settled || next >= n) return;
      const idx = next++;
      try {
        finish(idx, local(idx));
      } catch (e) {
        return fail(e instanceof Error ? e : new Error(String(e)));
      }
      setImmediate(mainStep);
    };
    setImmediate(mainStep);
  });
  return out;
}

/** Runs every cell; results in the order of `cells`. */
export async function runMatrix(base: Platform, cells: readonly CellSpec[], o: MatrixRunOptions = {}): Promise<MatrixCell[]> {
  // Never more threads than cores (each one holds a model and its own heap budget).
  const jobs = Math.max(1, Math.min(o.jobs ?? defaultJobs(cells.length, base.devices.length), cells.length, availableParallelism()));
  const cellOpts: CellOptions = { invariants: o.invariants, maxStates: o.maxStates, maxDepth: o.maxDepth, maxMemoryMiB: o.maxMemoryMiB, reduce: o.reduce, splitPorts: o.splitPorts };
  const memo = new PartMemo<PartResult>();
  const { model, transforms } = await loadForCells(o.backendModule);
  if (jobs <= 1) {
    const out: MatrixCell[] = [];
    cells.forEach((c, i) => {
      out.push(runCell(model, base, c, transforms, cellOpts, memo));
      o.onProgress?.(i + 1, cells.length);
    });
    return out;
  }
  const size = blockSize(cells.length, jobs);
  const blocks: (readonly CellSpec[])[] = [];
  for (let i = 0; i < cells.length; i += size) blocks.push(cells.slice(i, i + size));
  let done = 0;
  const out = await runPool<MatrixCell[]>(
    blocks.length,
    jobs,
    { base, options: cellOpts, backendModule: o.backendModule },
    (i) => ({ idx: i, cells: blocks[i] }),
    (i) => blocks[i].map((c) => runCell(model, base, c, transforms, cellOpts, memo)),
    (m) => m.cells,
    (b) => {
      void b;
      o.onProgress?.(Math.min(cells.length, (done += size)), cells.length);
    },
  );
  return out.flat();
}

/** One cell, its independent parts explored on `jobs` threads (`verify --jobs`). The same
 * result as runCell: the parts are merged in plan order. */
export async function runCellParallel(base: Platform, c: CellSpec, o: CellOptions & { readonly jobs?: number; readonly backendModule?: string }): Promise<MatrixCell> {
  const { model, transforms } = await loadForCells(o.backendModule);
  // Workers get the options without the progress callback (a function cannot be sent); the
  // parts explored in this thread report progress.
  const cellOpts: CellOptions = { invariants: o.invariants, maxStates: o.maxStates, maxDepth: o.maxDepth, maxMemoryMiB: o.maxMemoryMiB, reduce: o.reduce, splitPorts: o.splitPorts };
  const v = parseVariant(c.variant);
  const co = checkOptions({ ...cellOpts, onStates: o.onStates });
  const plan = planCell(cellPlatform(base, c, transforms), v, co);
  const jobs = Math.max(1, Math.min(o.jobs ?? 1, plan.parts.length, availableParallelism()));
  const parts =
    jobs <= 1
      ? plan.parts.map((_, i) => explorePart(model, plan, i, v, co))
      : await runPool<PartResult>(
          plan.parts.length,
          jobs,
          { base, options: cellOpts, backendModule: o.backendModule },
          (i) => ({ idx: i, cells: [c], part: i }),
          (i) => explorePart(model, plan, i, v, co),
          (m) => m.part,
        );
  const r = finishCell(plan, parts);
  return { ...c, stats: r.stats, results: r.results };
}

// The verification matrix: variant combinations × IOMMU platforms × passthrough (× CC
// guest) × invariants, cells spread over worker threads. Default: the reference platform
// and the 25 combinations of VERIFICATION.md on all four IOMMUs, passthrough off and on.

import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import type { KernelModel } from '../kernel/types.js';
import type { Platform } from '../kernel/platform.js';
import type { PlatformTransforms } from './backend.js';
import { FALLBACK_TRANSFORMS, loadBackend } from './backend.js';
import { runCell } from './cell.js';
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
  // Never more threads than cores (each one holds a model and its own heap budget).
  const jobs = Math.max(1, Math.min(o.jobs ?? defaultJobs(cells.length), cells.length, availableParallelism()));
  const out: MatrixCell[] = new Array<MatrixCell>(cells.length);
  const cellOpts: CellOptions = { invariants: o.invariants, maxStates: o.maxStates, maxDepth: o.maxDepth, maxMemoryMiB: o.maxMemoryMiB, reduce: o.reduce, splitPorts: o.splitPorts };
  if (jobs <= 1) {
    const { model, transforms } = await loadForCells(o.backendModule);
    cells.forEach((c, i) => {
      out[i] = runCell(model, base, c, transforms, cellOpts);
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
        finish(idx, runCell(model, base, cells[idx], transforms, cellOpts));
      } catch (e) {
        return fail(e instanceof Error ? e : new Error(String(e)));
      }
      setImmediate(mainStep);
    };
    setImmediate(mainStep);
  });
  return out;
}


// The matrix, computed in the browser once per page and shared by the Matrix and Cell views.
import type { CellSpec, Loaded, MatrixCell } from './engine.js';
import { cellKey, checkOne, runAll } from './engine.js';

export class MatrixStore {
  readonly cells = new Map<string, MatrixCell>();
  done = 0;
  ms: number | null = null;
  private listeners = new Set<() => void>();
  private started = false;

  constructor(private readonly l: Loaded) {}

  subscribe(f: () => void): () => void {
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  }

  private emit(): void {
    for (const f of this.listeners) f();
  }

  /** Starts the whole matrix (once). */
  start(): void {
    if (this.started) return;
    this.started = true;
    let last = performance.now();
    void runAll(this.l, (c, done) => {
      this.cells.set(cellKey(c), c);
      this.done = done;
      if (performance.now() - last > 100) {
        last = performance.now();
        this.emit();
      }
    }).then((ms) => {
      this.ms = ms;
      window.__dmagate = { ...window.__dmagate, matrixMs: ms, matrixDone: true, cells: this.cells.size };
      this.emit();
    });
  }

  /** One cell, computed now if the matrix has not reached it (or it is not in the matrix). */
  get(c: CellSpec): MatrixCell {
    const k = cellKey(c);
    let hit = this.cells.get(k);
    if (hit === undefined) {
      hit = checkOne(this.l, c);
      this.cells.set(k, hit);
    }
    return hit;
  }
}

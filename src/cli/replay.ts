// `dmagate run --trace FILE|-`: a counterexample from `verify --json` (or `matrix --json`)
// read back — the violated invariant, its event trace and the cell's IOMMU, passthrough,
// CC-guest and variant settings — and, after the run, whether the violation reproduces.
import { readFileSync } from 'node:fs';
import { IOMMU_IDS } from '../kernel/platform.js';
import type { IommuId, Platform } from '../kernel/platform.js';
import type { KernelModel, KEvent, KReturn, Observation } from '../kernel/types.js';
import { parseEvent } from '../kernel/types.js';
import type { Variant } from '../kernel/variants.js';
import { parseVariant } from '../kernel/variants.js';
import { invariantById } from '../verify/invariants/index.js';
import { invariantCode, invariantOf } from '../verify/invariant-codes.js';
import { INVARIANT_IDS } from '../verify/types.js';
import { didYouMean } from '../util/suggest.js';
import { makeCtx } from '../verify/types.js';
import type { InvariantId } from '../verify/types.js';
import { InputError } from '../util/errors.js';
import { resolveInvariants } from './select.js';

export interface Counterexample {
  /** Where it was read from ("-" for stdin). */
  readonly source: string;
  readonly invariant: InvariantId;
  readonly iommu: IommuId;
  readonly passthrough: boolean;
  readonly ccGuest: boolean;
  readonly variant: string;
  readonly events: readonly KEvent[];
}

const isRec = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads FILE, or stdin for "-". */
export function readTraceSource(source: string): string {
  try {
    return readFileSync(source === '-' ? 0 : source, 'utf8');
  } catch (e) {
    throw new InputError(`--trace ${source}: cannot read: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** The one violated (cell, invariant) of a `verify --json` cell or a `matrix --json`
 * document; `pick` (ids or column codes) chooses among several. */
export function parseCounterexample(text: string, source: string, pick?: readonly string[]): Counterexample {
  const where = `--trace ${source}`;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${where}: not JSON (expected the output of dmagate verify --json): ${e instanceof Error ? e.message : String(e)}`);
  }
  const cells: unknown[] = isRec(doc) && Array.isArray(doc.cells) ? doc.cells : [doc];
  const wanted = resolveInvariants(pick);
  const found: { cell: Record<string, unknown>; at: string; id: InvariantId; trace: unknown[] }[] = [];
  cells.forEach((c, i) => {
    const at = cells.length === 1 ? '' : `cells[${i}].`;
    if (!isRec(c) || !isRec(c.results)) throw new InputError(`${where}: ${at}results is missing (expected the output of dmagate verify --json)`);
    for (const [id, r] of Object.entries(c.results)) {
      if (!isRec(r) || r.verdict !== 'violated') continue;
      const inv = invariantOf(id);
      if (inv === undefined) throw new InputError(`${where}: ${at}results: unknown invariant "${id}"${didYouMean(id, INVARIANT_IDS)}`);
      if (wanted !== undefined && !wanted.includes(inv)) continue;
      if (!Array.isArray(r.trace)) throw new InputError(`${where}: ${at}results["${id}"].trace is missing`);
      found.push({ cell: c, at, id: inv, trace: r.trace });
    }
  });
  if (found.length === 0) throw new InputError(`${where}: no violated invariant${wanted ? ` among ${wanted.join(', ')}` : ''} with a trace`);
  if (found.length > 1) {
    const list = found.map((f) => `${f.at}${invariantCode(f.id)} ${f.id}`).join(', ');
    throw new InputError(`${where}: ${found.length} violations (${list}); choose one with --invariant${cells.length > 1 ? ' (or replay one cell of dmagate verify --json)' : ''}`);
  }
  const { cell, at, id, trace } = found[0];
  const field = <T>(k: string, ok: (v: unknown) => v is T): T => {
    const v = cell[k];
    if (!ok(v)) throw new InputError(`${where}: ${at}${k} is missing or malformed`);
    return v;
  };
  const iommu = field('iommu', (v): v is IommuId => typeof v === 'string' && (IOMMU_IDS as readonly string[]).includes(v));
  const passthrough = field('passthrough', (v): v is boolean => typeof v === 'boolean');
  const ccGuest = field('ccGuest', (v): v is boolean => typeof v === 'boolean');
  const variant = field('variant', (v): v is string => typeof v === 'string');
  parseVariant(variant); // an InputError naming the problem
  const events = trace.map((t, k) => {
    if (typeof t !== 'string') throw new InputError(`${where}: ${at}results["${id}"].trace[${k}] is not an event string`);
    try {
      return parseEvent(t);
    } catch (e) {
      throw new InputError(`${where}: ${at}results["${id}"].trace[${k}]: ${e instanceof Error ? e.message : String(e)}`);
    }
  });
  return { source, invariant: id, iommu, passthrough, ccGuest, variant, events };
}

export interface Reproduction {
  readonly invariant: InvariantId;
  readonly code: string;
  /** The invariant is violated after some step of the replay. */
  readonly reproduced: boolean;
  /** 0-based index of the first event after which it is violated. */
  readonly step?: number;
  readonly detail?: string;
}

/** Evaluates the invariant along a replayed run: `observations[i]` after `events[i]`. */
export function checkReproduction<S>(
  model: KernelModel<S>,
  p: Platform,
  v: Variant,
  id: InvariantId,
  events: readonly KEvent[],
  steps: readonly { readonly ret: KReturn }[],
  observations: readonly Observation[],
): Reproduction {
  const inv = invariantById(id);
  const code = invariantCode(id);
  const a = inv.applies(p, v);
  if (!a.applies) return { invariant: id, code, reproduced: false, detail: `n/a here: ${a.why}` };
  const ctx = makeCtx(p, v);
  let before = model.observe(p, v, model.init(p, v));
  for (let i = 0; i < observations.length; i++) {
    const after = observations[i];
    const c = inv.kind === 'state' ? inv.check(ctx, after) : inv.check(ctx, before, events[i], steps[i].ret, after);
    if (!c.ok) return { invariant: id, code, reproduced: true, step: i, detail: c.detail };
    before = after;
  }
  return { invariant: id, code, reproduced: false };
}

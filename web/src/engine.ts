// The browser side of the explorer: the same pure functions the CLI runs (src/kernel's model,
// src/verify's cell check, counterexample replay, explanations, src/platform's simulator and
// transforms), on the Platform the page was given. No Node import reaches here (vite.config.ts).
import { kernelModel } from '../../src/kernel/model.js';
import type { KEvent, KernelModel, Observation, TraceEntry, KReturn } from '../../src/kernel/types.js';
import { formatEvent, parseEvent } from '../../src/kernel/types.js';
import { parseVariant } from '../../src/kernel/variants.js';
import type { Variant } from '../../src/kernel/variants.js';
import type { IommuId, Platform } from '../../src/kernel/platform.js';
import { pciDeviceGroups } from '../../src/kernel/iommu/groups.js';
import type { IommuGroups } from '../../src/kernel/iommu/groups.js';
import { bdfLookup, cellPlatform, cellsOf, jsonCell, runCell } from '../../src/verify/cell.js';
import type { JsonResult } from '../../src/verify/cell.js';
import type { CellSpec, MatrixCell } from '../../src/verify/cell.js';
import { parseCombinations } from '../../src/verify/combinations.js';
import type { Combination } from '../../src/verify/combinations.js';
import { replay } from '../../src/verify/counterexample.js';
import type { ReplayStep } from '../../src/verify/counterexample.js';
import { explain } from '../../src/verify/explain.js';
import { INVARIANTS } from '../../src/verify/invariants/index.js';
import { simulate } from '../../src/platform/simulate.js';
import { withCcGuest, withIommu, withPassthrough } from '../../src/platform/transform.js';
import { decodePlatform } from '../../src/web/platform-json.js';
import type { PagePayload } from '../../src/web/payload.js';

export type { CellSpec, MatrixCell, ReplayStep, Observation, TraceEntry, KReturn, KEvent, IommuGroups, Platform, IommuId };
export { formatEvent, INVARIANTS, explain };

const model = kernelModel as unknown as KernelModel<unknown>;
const TRANSFORMS = { withIommu, withPassthrough, withCcGuest };

export interface Loaded {
  readonly payload: PagePayload;
  readonly platform: Platform;
  readonly combos: readonly Combination[];
  readonly cells: readonly CellSpec[];
}

export function load(payload: PagePayload): Loaded {
  const platform = decodePlatform(payload.platform);
  const r = parseCombinations(payload.combinations.join('\n'));
  if (r.errors.length > 0) throw new Error(`bad combinations: ${r.errors.map((e) => `${e.line}: ${e.message}`).join('; ')}`);
  return { payload, platform, combos: r.combos, cells: cellsOf(r.combos, payload.iommus) };
}

/** One invariant's `results` entry exactly as `dmagate verify --json` prints it (with the
 * explanation and the device's BDF). */
export function jsonResultOf(l: Loaded, c: MatrixCell, id: string): JsonResult | undefined {
  return jsonCell(c, bdfLookup(l.platform)).results[id];
}

export const cellKey = (c: CellSpec): string => `${c.iommu}|${c.variant}|${c.passthrough ? 1 : 0}|${c.ccGuest ? 1 : 0}`;

export function checkOne(l: Loaded, c: CellSpec): MatrixCell {
  return runCell(model, l.platform, c, TRANSFORMS, {});
}

/** Runs cells in slices of ~`sliceMs`, yielding to the browser between slices. */
export async function runAll(l: Loaded, onCell: (c: MatrixCell, done: number) => void, sliceMs = 40): Promise<number> {
  const t0 = performance.now();
  let i = 0;
  while (i < l.cells.length) {
    const s0 = performance.now();
    while (i < l.cells.length && performance.now() - s0 < sliceMs) {
      onCell(checkOne(l, l.cells[i]), i + 1);
      i++;
    }
    await new Promise((r) => setTimeout(r, 0));
  }
  return performance.now() - t0;
}

export function platformOf(l: Loaded, c: CellSpec): Platform {
  return cellPlatform(l.platform, c, TRANSFORMS);
}

export function variantOf(text: string): Variant {
  return parseVariant(text);
}

export interface ReplayedStep extends ReplayStep {
  readonly trace: readonly TraceEntry[];
  readonly after: Observation;
}

/** A counterexample step by step: each event's kernel calls, return, per-device changes. */
export function replayTrace(l: Loaded, c: CellSpec, events: readonly KEvent[]): ReplayedStep[] {
  const p = platformOf(l, c);
  const v = parseVariant(c.variant);
  const steps = replay(model, p, v, events).steps;
  // replay() gives the changes; the calls come from the same step function, run again here
  const sim = simulate(model, { platform: p, variant: v, events }, { observeEvery: true });
  return steps.map((s, i) => ({ ...s, trace: sim.steps[i].trace, after: sim.observedAfter.get(i) as Observation }));
}

export interface TimelineRun {
  readonly events: readonly KEvent[];
  readonly errors: readonly string[];
  readonly boot: Observation;
  readonly steps: readonly { readonly event: string; readonly ret: KReturn; readonly trace: readonly TraceEntry[]; readonly obs: Observation }[];
  readonly groups: IommuGroups;
  readonly platform: Platform;
}

/** Parses an event list (one per line; `#` comments) and folds it through the model. */
export function runTimeline(l: Loaded, c: CellSpec, text: string): TimelineRun {
  const p = platformOf(l, c);
  const v = parseVariant(c.variant);
  const names = new Set(p.devices.map((d) => d.name));
  const events: KEvent[] = [];
  const errors: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const t = raw.replace(/#.*$/, '').trim();
    if (t === '') return;
    try {
      const e = parseEvent(t);
      if (!names.has(e.dev)) errors.push(`line ${i + 1}: "${t}": no device named "${e.dev}"`);
      else events.push(e);
    } catch (err) {
      errors.push(`line ${i + 1}: ${err instanceof Error ? err.message : String(err)}`);
    }
  });
  const sim = simulate(model, { platform: p, variant: v, events }, { observeEvery: true });
  const boot = model.observe(p, v, model.init(p, v));
  return {
    events,
    errors,
    boot,
    steps: sim.steps.map((s, i) => ({ event: s.event, ret: s.ret, trace: s.trace, obs: sim.observedAfter.get(i) as Observation })),
    groups: pciDeviceGroups(p),
    platform: p,
  };
}

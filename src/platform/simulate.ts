// Folds a scenario's events through a kernel model and checks its expectations. The model is
// passed in (the same object the verifier explores), so this file depends only on the
// kernel's contract types, never on the model's code.

import { formatEvent } from '../kernel/types.js';
import type { DeviceObs, KernelModel, KEvent, KReturn, Observation, TraceEntry } from '../kernel/types.js';
import type { Variant } from '../kernel/variants.js';
import type { DevicesExpect, Expectations } from './scenario-types.js';
import type { Platform } from '../kernel/platform.js';

export interface StepRecord {
  readonly index: number;
  readonly event: string;
  readonly ret: KReturn;
  readonly trace: readonly TraceEntry[];
}

export interface ExpectationResult {
  /** e.g. "events[3] bind(gpu) returns", "cxl-accel.atsEnabled after events[2] probe(x)", "gpu.domain at end". */
  readonly what: string;
  readonly expected: unknown;
  readonly actual: unknown;
  readonly ok: boolean;
}

export interface SimResult {
  /** Every step; none when SimulateOptions.keepSteps is false (they went to onStep). */
  readonly steps: readonly StepRecord[];
  /** After the events an `expect.after` entry names (key i: after events[i]). Only those:
   * observing every device after every event made `run` quadratic (docs/performance.md). */
  readonly observedAfter: ReadonlyMap<number, Observation>;
  /** After the last event (the boot state when there are none). */
  readonly final: Observation;
  readonly expectations: readonly ExpectationResult[];
  /** Every expectation held. */
  readonly ok: boolean;
}

export interface Simulation {
  readonly platform: Platform;
  readonly variant: Variant;
  readonly events: readonly KEvent[];
  readonly expect?: Expectations;
}

const retText = (r: KReturn): string => (r.ok ? 'ok' : r.errno);

function checkDevices(want: DevicesExpect, obs: Observation, when: string, out: ExpectationResult[]): void {
  for (const name of Object.keys(want).sort()) {
    const fields = want[name] as Readonly<Record<string, unknown>>;
    const d = obs.devices[name] as DeviceObs | undefined;
    for (const key of Object.keys(fields)) {
      const expected = fields[key];
      const actual = d === undefined ? undefined : (d as unknown as Record<string, unknown>)[key];
      out.push({ what: `${name}.${key} ${when}`, expected, actual: actual === undefined ? '(not observed)' : actual, ok: actual === expected });
    }
  }
}

export interface SimulateOptions<S> {
  /** Also observe after every event (run --trace replays need each step's view). */
  readonly observeEvery?: boolean;
  /** Called with the state each event is taken in, before its step (run's world guard: one
   * fold instead of a second one over the same states). */
  readonly before?: (state: S, event: KEvent, index: number) => void;
  /** Called with each step as it is taken (run prints it then: docs/performance.md "run"). */
  readonly onStep?: (step: StepRecord) => void;
  /** false: the result keeps no steps (each went to onStep), so 100,000 functions' steps are
   * not all held until the end (docs/performance.md "run"); the expectations read the steps
   * they name. Default true. */
  readonly keepSteps?: boolean;
}

export function simulate<S>(model: KernelModel<S>, sim: Simulation, opts: SimulateOptions<S> = {}): SimResult {
  const { platform: p, variant: v } = sim;
  let s = model.init(p, v);
  const steps: StepRecord[] = [];
  const observedAfter = new Map<number, Observation>();
  const wanted = new Set((sim.expect?.after ?? []).map((a) => a.event));
  const keep = opts.keepSteps !== false;
  // without keepSteps: the steps an expectation names, by index
  const named = new Map<number, StepRecord>();
  const namedIdx = new Set([...wanted, ...(sim.expect?.returns ?? []).map((r) => r.event)]);
  sim.events.forEach((e, index) => {
    opts.before?.(s, e, index);
    const r = model.step(p, v, s, e);
    s = r.state;
    const rec: StepRecord = { index, event: formatEvent(e), ret: r.ret, trace: r.trace };
    opts.onStep?.(rec);
    if (keep) steps.push(rec);
    else if (namedIdx.has(index)) named.set(index, rec);
    if (opts.observeEvery === true || wanted.has(index)) observedAfter.set(index, model.observe(p, v, s));
  });
  const stepAt = (i: number): StepRecord => (keep ? steps[i] : (named.get(i) as StepRecord));
  const final = model.observe(p, v, s);

  const expectations: ExpectationResult[] = [];
  const x = sim.expect;
  if (x) {
    for (const r of x.returns) {
      const st = stepAt(r.event);
      const expected = r.ok ? 'ok' : (r.errno ?? 'an error');
      const ok = r.ok ? st.ret.ok : !st.ret.ok && (r.errno === undefined || st.ret.errno === r.errno);
      expectations.push({ what: `events[${r.event}] ${st.event} returns`, expected, actual: retText(st.ret), ok });
    }
    for (const a of x.after) checkDevices(a.devices, observedAfter.get(a.event) as Observation, `after events[${a.event}] ${stepAt(a.event).event}`, expectations);
    checkDevices(x.devices, final, 'at end', expectations);
  }
  return { steps, observedAfter, final, expectations, ok: expectations.every((e) => e.ok) };
}

// The state invariants of the forDevices shape (types.ts PerDevice: every state invariant so
// far), evaluated on an exploration's observations through a memo of per-device answers.
//
// Why it computes what `check` computes: inv.check(ctx, obs) is forDevices(obs, about, good)
// (invariants/helpers.ts perDevice), and about/good are pure functions of (ctx, d). With the
// step/observe memo (kernel/session.ts) an exploration of 100,000 states sees only a few
// hundred distinct DeviceObs objects, each in thousands of observations; so each object's
// answers — for every invariant, `false` (not about it), `null` (about it, fine) or what is
// wrong — are computed once (the ctx is the exploration's), and a state's check walks its
// present devices in forDevices' order (`for … in`, as forDevices) reading them: the premise is
// "some answer is not false", the violation the first string, with forDevices' detail and
// device. Devices after the first bad one are answered too (forDevices stops there): pure
// functions, so that changes nothing but the work.
import type { DeviceObs, Observation } from '../kernel/types.js';
import type { Check, Ctx, PerDevice } from './types.js';
import { PREMISE_OK, VACUOUS } from './types.js';

/** One device's answers, by invariant slot: false, null, or the complaint. */
type Answers = readonly (string | null | false)[];

export class DeviceChecks {
  private readonly memo = new Map<DeviceObs, Answers>();
  /** The present devices of the observation last prepared, in order, and their answers. */
  private readonly devs: DeviceObs[] = [];
  private readonly ans: Answers[] = [];
  private n = 0;

  constructor(
    private readonly ctx: Ctx,
    /** The per-device tests, by slot. */
    private readonly tests: readonly PerDevice[],
  ) {}

  private answers(d: DeviceObs): Answers {
    let a = this.memo.get(d);
    if (a === undefined) {
      a = this.tests.map((t) => (t.about(this.ctx, d) ? t.good(this.ctx, d) : false));
      this.memo.set(d, a);
    }
    return a;
  }

  /** Looks up `obs`'s present devices once; `check` then answers for any slot. */
  prepare(obs: Observation): void {
    let n = 0;
    for (const name in obs.devices) {
      const d = obs.devices[name];
      if (!d.present) continue;
      this.devs[n] = d;
      this.ans[n++] = this.answers(d);
    }
    this.n = n;
  }

  /** The prepared observation's forDevices(obs, about, good) for the tests of `slot`. */
  check(slot: number): Check {
    let premise = false;
    for (let j = 0; j < this.n; j++) {
      const r = this.ans[j][slot];
      if (r === false) continue;
      premise = true;
      if (r !== null) {
        const d = this.devs[j];
        return { premise: true, ok: false, detail: `${d.name}: ${r}`, device: d.name };
      }
    }
    return premise ? PREMISE_OK : VACUOUS;
  }
}

// Test helpers over the plain model: every reachable state breadth first (the readable text
// key, the plain enabled events — the reference the fast paths are compared with), and every
// path into a JSON-like value (for fuzzing values at each position).
import { plainEnabledEvents } from '../../src/kernel/enabled.js';
import { kernelModel } from '../../src/kernel/model.js';
import type { Platform } from '../../src/kernel/platform.js';
import { stateKeyText, type KState } from '../../src/kernel/state.js';
import type { Variant } from '../../src/kernel/variants.js';

/** Reachable states of (p, v) by the plain model and the readable key, breadth first, at most `limit`. */
export function reachable(p: Platform, v: Variant, limit: number): KState[] {
  const seen = new Map<string, KState>();
  const q: KState[] = [kernelModel.init(p, v)];
  seen.set(stateKeyText(q[0]), q[0]);
  for (let h = 0; h < q.length && seen.size < limit; h++) {
    for (const e of plainEnabledEvents(p, v, q[h])) {
      const t = kernelModel.step(p, v, q[h], e).state;
      const k = stateKeyText(t);
      if (!seen.has(k)) {
        seen.set(k, t);
        q.push(t);
      }
    }
  }
  return [...seen.values()];
}

export type Path = (string | number)[];

/** Every path into `v` (the root, array indices, object keys), depth first. */
export function paths(v: unknown, at: Path = [], out: Path[] = []): Path[] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) paths(x, [...at, k], out);
  return out;
}

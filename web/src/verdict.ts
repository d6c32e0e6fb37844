// Verdict colours and labels. Colours are the Okabe–Ito palette (distinguishable with every
// common colour-vision deficiency) and every cell also carries a text label, so colour is
// never the only cue.
import type { MatrixCell } from './engine.js';

export type Counts = { holds: number; violated: number; 'n/a': number; inconclusive: number };

export function counts(c: MatrixCell, only?: string): Counts {
  const k: Counts = { holds: 0, violated: 0, 'n/a': 0, inconclusive: 0 };
  for (const [id, r] of Object.entries(c.results)) if (only === undefined || id === only) k[r.verdict]++;
  return k;
}

/** Violated invariants by family: sec / fun / adv. */
export function families(c: MatrixCell): { sec: number; fun: number; adv: number } {
  const f = { sec: 0, fun: 0, adv: 0 };
  for (const [id, r] of Object.entries(c.results)) if (r.verdict === 'violated') f[id.slice(0, 3) as 'sec' | 'fun' | 'adv']++;
  return f;
}

/** CSS class and label of a whole cell: the shade grows with the number of violated
 * invariants (one hue, lighter to darker, so it reads in greyscale too); the label names
 * them by family (S sec, F fun, A adv). */
export function cellLook(c: MatrixCell): { cls: string; label: string } {
  const f = families(c);
  const k = counts(c);
  const n = f.sec + f.fun + f.adv;
  if (n === 0) return k.inconclusive > 0 ? { cls: 'v-inc', label: `? ${k.inconclusive}` } : { cls: 'v-ok', label: 'ok' };
  const label = [f.sec ? `S${f.sec}` : '', f.fun ? `F${f.fun}` : '', f.adv ? `A${f.adv}` : ''].filter((x) => x !== '').join(' ');
  return { cls: `v-n${Math.min(4, Math.ceil(n / 2))}`, label };
}

/** CSS class and label of one invariant's verdict. */
export function verdictLook(verdict: string, vacuous?: boolean): { cls: string; label: string } {
  switch (verdict) {
    case 'violated':
      return { cls: 'v-sec', label: 'VIOLATED' };
    case 'holds':
      return vacuous ? { cls: 'v-vac', label: 'holds (vacuously)' } : { cls: 'v-ok', label: 'holds' };
    case 'n/a':
      return { cls: 'v-na', label: 'n/a' };
    default:
      return { cls: 'v-inc', label: 'inconclusive' };
  }
}

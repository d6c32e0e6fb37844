// "Did you mean …?": the nearest known name to a misspelt one, for every command and file
// format that takes a name (invariants, variants, IOMMUs, events, devices, rule attributes).
// Distance is optimal-string-alignment (Damerau–Levenshtein with adjacent swaps), as git's
// and commander's own suggestions use; a suggestion is offered only when it is close.

/** Edit distance with adjacent transpositions (OSA). Case-sensitive. */
export function editDistance(a: string, b: string): number {
  const n = a.length;
  const m = b.length;
  if (n === 0) return m;
  if (m === 0) return n;
  let prev2 = new Array<number>(m + 1).fill(0);
  let prev = Array.from({ length: m + 1 }, (_, j) => j);
  let cur = new Array<number>(m + 1).fill(0);
  for (let i = 1; i <= n; i++) {
    cur[0] = i;
    for (let j = 1; j <= m; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2] + 1);
      cur[j] = v;
    }
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[m];
}

/** The known names nearest to `input` (ties kept, in the order given), or [] when none is
 * close: within max(1, ⌊len/3⌋) edits, or `input` is a prefix/suffix of exactly one name. */
export function nearest(input: string, known: readonly string[]): string[] {
  const lower = input.toLowerCase();
  const limit = Math.max(1, Math.floor(input.length / 3));
  let best = Infinity;
  let out: string[] = [];
  for (const k of known) {
    const d = editDistance(lower, k.toLowerCase());
    if (d < best) {
      best = d;
      out = [k];
    } else if (d === best) out.push(k);
  }
  if (best <= limit) return out;
  const partial = known.filter((k) => lower.length >= 3 && (k.toLowerCase().startsWith(lower) || k.toLowerCase().endsWith(lower)));
  return partial.length === 1 ? partial : [];
}

/** " (did you mean X?)" or "" — ready to append to an error message. */
export function didYouMean(input: string, known: readonly string[]): string {
  const n = nearest(input, known);
  if (n.length === 0) return '';
  return ` (did you mean ${n.slice(0, 3).map((s) => `"${s}"`).join(' or ')}?)`;
}

// The matrix as text: one table per IOMMU (rows: variant × passthrough; columns:
// invariants), then one line per violated (invariant, explanation) naming its rows.

import { termSafe } from '../util/term.js';
import { parseVariant } from '../kernel/variants.js';
import { formatEvent } from '../kernel/types.js';
import type { IommuId } from '../kernel/platform.js';
import { explain } from './explain.js';
import { invariantCode } from './invariant-codes.js';
import type { MatrixCell } from './matrix.js';
import type { InvariantResult } from './types.js';

export const SYMBOL = { holds: '✓', vacuous: '○', violated: '✗', 'n/a': '·', inconclusive: '?' } as const;

export function symbol(r: InvariantResult | undefined): string {
  if (r === undefined) return ' ';
  if (r.verdict === 'holds') return r.vacuous ? SYMBOL.vacuous : SYMBOL.holds;
  return SYMBOL[r.verdict];
}

/** Column codes of these ids: S1.. security, F1.. function, A1.. advisory, fixed by the
 * registry order (./invariant-codes.ts), so a subset keeps the codes of the full table. */
export function columnCodes(ids: readonly string[]): Map<string, string> {
  return new Map(ids.map((id) => [id, invariantCode(id)]));
}

/** `perCell`: one line per violated (cell, invariant) instead of one per explanation. */
export function matrixText(platformName: string, cells: readonly MatrixCell[], opts: { explain?: boolean; perCell?: boolean } = {}): string {
  const lines: string[] = [];
  if (cells.length === 0) return 'no cells\n';
  const ids = Object.keys(cells[0].results);
  const codes = columnCodes(ids);
  lines.push(`dmagate matrix — platform ${termSafe(platformName)}, ${cells.length} cells`); // the name is the scenario's text
  lines.push(`legend: ${SYMBOL.holds} holds  ${SYMBOL.vacuous} holds vacuously  ${SYMBOL.violated} violated  ${SYMBOL['n/a']} n/a  ${SYMBOL.inconclusive} inconclusive (bound hit)`);
  for (const id of ids) lines.push(`  ${(codes.get(id) ?? '').padEnd(3)} ${id}`);
  const iommus: IommuId[] = [];
  for (const c of cells) if (!iommus.includes(c.iommu)) iommus.push(c.iommu);
  let states = 0;
  let ms = 0;
  for (const c of cells) {
    states += c.stats.states;
    ms += c.stats.ms;
  }
  for (const iommu of iommus) {
    const rows = cells.filter((c) => c.iommu === iommu);
    lines.push('');
    lines.push(`== ${iommu} ==`);
    lines.push(`  #  ${ids.map((id) => (codes.get(id) ?? '').padEnd(3)).join('')} pt  variant`);
    rows.forEach((c, i) => {
      const marks = ids.map((id) => symbol(c.results[id]).padEnd(3)).join('');
      lines.push(`${String(i + 1).padStart(3)}  ${marks} ${c.passthrough ? 'on ' : 'off'} ${c.ccGuest ? '[cc-guest] ' : ''}${c.variant}`);
    });
    if (opts.explain !== false) {
      // One line per (invariant, explanation): the rows it covers and the shortest trace.
      const groups = new Map<string, { rows: number[]; trace: string[] }>();
      rows.forEach((c, i) => {
        for (const id of ids) {
          const r = c.results[id];
          if (r?.verdict !== 'violated') continue;
          const why = explain(id, { iommu: c.iommu, passthrough: c.passthrough, ccGuest: c.ccGuest, variant: parseVariant(c.variant) }, r.trace, r.device) ?? `no recorded explanation: ${r.detail ?? ''}`;
          const key = `${codes.get(id)} ${id}: ${why}`;
          const g = groups.get(key);
          const trace = (r.trace ?? []).map(formatEvent);
          if (g === undefined) groups.set(key, { rows: [i + 1], trace });
          else {
            g.rows.push(i + 1);
            if (trace.length < g.trace.length) g.trace = trace;
          }
        }
      });
      if (groups.size > 0) lines.push('  violations:');
      if (opts.perCell === true) {
        rows.forEach((c, i) => {
          for (const id of ids) {
            const r = c.results[id];
            if (r?.verdict !== 'violated') continue;
            const why = explain(id, { iommu: c.iommu, passthrough: c.passthrough, ccGuest: c.ccGuest, variant: parseVariant(c.variant) }, r.trace, r.device) ?? `no recorded explanation: ${r.detail ?? ''}`;
            lines.push(`  ${SYMBOL.violated} row ${i + 1} ${codes.get(id)} ${id}: ${why} [${(r.trace ?? []).map(formatEvent).join(' ')}]`);
          }
        });
      } else for (const [key, g] of groups) lines.push(`  ${SYMBOL.violated} ${key} [rows ${ranges(g.rows)}; e.g. ${g.trace.join(' ')}]`);
    }
  }
  lines.push('');
  lines.push(`${states} states explored in ${Math.round(ms)} ms of cell time`);
  return lines.join('\n') + '\n';
}

function ranges(xs: readonly number[]): string {
  const out: string[] = [];
  let i = 0;
  while (i < xs.length) {
    let j = i;
    while (j + 1 < xs.length && xs[j + 1] === xs[j] + 1) j++;
    out.push(j > i ? `${xs[i]}-${xs[j]}` : `${xs[i]}`);
    i = j + 1;
  }
  return out.join(',');
}
